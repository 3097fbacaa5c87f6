// txtar archives, the format of the checker's cases and the language server's fixtures: lines
// before the first `-- name --` line are the preamble (a comment, or `key: value` headers), then
// each `-- name --` line starts that file's text.
export interface Txtar {
  readonly preamble: readonly string[];
  readonly files: Map<string, string>;
}

export function parseTxtar(text: string): Txtar {
  const preamble: string[] = [];
  const files = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current !== undefined) files.set(current, lines.join("\n"));
  };
  for (const line of text.split("\n")) {
    const section = /^-- (.+) --$/.exec(line);
    if (section !== null) {
      flush();
      current = section[1]!;
      lines = [];
    } else if (current !== undefined) lines.push(line);
    else preamble.push(line);
  }
  flush();
  return { preamble, files };
}
