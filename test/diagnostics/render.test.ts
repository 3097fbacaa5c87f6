// The human renderer: carets land under the right characters whatever the line holds.
import { describe, expect, it } from "vitest";
import { LineMap, renderDiagnostic, syntaxDiagnostic, type Diagnostic } from "@coal/language";

function render(diagnostic: Diagnostic, files: Record<string, string>, color = false): string {
  return renderDiagnostic(diagnostic, (file) => (file in files ? { text: files[file]! } : undefined), { color });
}

describe("renderDiagnostic", () => {
  it("expands tabs and counts wide characters as two columns", () => {
    const text = "organism p {\n\trole: \"予言\" @\n}\n";
    const at = text.indexOf("@");
    const output = render({ ...syntaxDiagnostic("E0001", { what: "character", text: "`@`" }, { start: at, end: at + 1 }), file: "a.coal" }, { "a.coal": text });
    expect(output).toBe(
      [
        "error[E0001]: Unexpected character `@`.",
        " --> a.coal:2:13",
        "  |",
        '2 |     role: "予言" @',
        "  |                  ^",
        "",
      ].join("\n"),
    );
  });

  it("shows a related location in another file in a frame of its own", () => {
    const diagnostic: Diagnostic = {
      ...syntaxDiagnostic("E0101", { close: "`}`", what: "organism `p`", found: "the end of the file" }, { start: 12, end: 12 }),
      file: "a.coal",
      related: [{ message: "declared here", range: { start: 7, end: 8 }, file: "b.coal" }],
      notes: ["a note"],
      help: "a help",
    };
    const output = render(diagnostic, { "a.coal": "organism p {", "b.coal": "record R { }" });
    expect(output).toContain(" --> a.coal:1:13\n");
    expect(output).toContain(" ::: b.coal:1:8\n");
    expect(output).toContain("1 | record R { }\n  |        - declared here\n");
    expect(output).toContain("  = note: a note\n  = help: a help\n");
  });

  it("hangs a label below its own marker when another marker follows it on the line", () => {
    const text = "organism p {\n  committee { members: 1\n";
    const output = render(
      { ...syntaxDiagnostic("E0101", { close: "`}`", what: "the `committee` block", found: "the end of the file" }, { start: text.length - 1, end: text.length - 1 }), file: "a.coal", related: [{ message: "`{` opened here", range: { start: 25, end: 26 } }] },
      { "a.coal": text },
    );
    expect(output).toContain(["2 |   committee { members: 1", "  |             -           ^", "  |             |", "  |             `{` opened here"].join("\n"));
  });

  it("colours only when asked", () => {
    const diagnostic = { ...syntaxDiagnostic("E0002", {}, { start: 0, end: 3 }), file: "a.coal" };
    expect(render(diagnostic, { "a.coal": '"ab' })).not.toMatch(/\u001b\[/);
    expect(render(diagnostic, { "a.coal": '"ab' }, true)).toMatch(/\u001b\[91m/);
  });

  it("still names the file when its text is unavailable", () => {
    const diagnostic = { ...syntaxDiagnostic("E0002", {}, { start: 0, end: 3 }), file: "gone.coal" };
    expect(render(diagnostic, {})).toBe("error[E0002]: This string is not closed before the end of the line.\n  --> gone.coal\n");
  });
});

describe("LineMap", () => {
  it("counts code points for columns and knows LF, CRLF and CR lines", () => {
    const map = new LineMap("a\r\nb\nc\rd🙂e");
    expect(map.position(0)).toEqual({ line: 1, column: 1 });
    expect(map.position(3)).toEqual({ line: 2, column: 1 });
    expect(map.position(7)).toEqual({ line: 4, column: 1 });
    expect(map.position(10)).toEqual({ line: 4, column: 3 });
    expect(map.lineText(1)).toBe("a");
    expect(map.lineText(3)).toBe("c");
  });
});
