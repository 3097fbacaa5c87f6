// `coalc explain [code]`: one code's explanation, or the list of all codes.
import { allCatalogues, findCatalogueEntry } from "../catalogues.js";
import { exitCodes, UsageError, type CliIo } from "./io.js";

export function explainCommand(query: string | undefined, io: CliIo): number {
  if (query === undefined) {
    for (const { entries } of allCatalogues) {
      for (const [code, entry] of Object.entries(entries)) {
        io.stdout.write(`${code}  ${entry.severity.padEnd(7)}  ${entry.name}\n`);
      }
    }
    return exitCodes.ok;
  }
  const found = findCatalogueEntry(query);
  if (found === undefined) throw new UsageError(`no diagnostic code \`${query}\` (run \`coalc explain\` to list them)`, { showHelp: false });
  const { code, entry } = found;
  const template = entry.message.parts.reduce((text, part, index) => text + part + (index < entry.message.params.length ? `{${entry.message.params[index]}}` : ""), "");
  io.stdout.write(`${code} (${entry.name}, ${entry.severity})\n\n  ${template}\n\n${wrap(entry.explanation, 80)}\n`);
  return exitCodes.ok;
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/)) {
    if (current.length > 0 && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current.length === 0 ? word : `${current} ${word}`;
  }
  if (current.length > 0) lines.push(current);
  return lines.join("\n");
}
