// Offsets ↔ LSP positions: UTF-16 columns, every kind of line break, text beyond the ASCII range
// (accents, astral characters as surrogate pairs), and clamping of positions that point past a
// line's end or between a CR and its LF.
import { describe, expect, it } from "vitest";
import { applyContentChanges, LineIndex } from "@coal/lsp";

describe("LineIndex", () => {
  it("counts columns in UTF-16 code units, as LSP does", () => {
    const text = 'role: "é🌧️x"\nnext';
    const lines = new LineIndex(text);
    const x = text.indexOf("x");
    // é is one unit, 🌧 two (a surrogate pair), the variation selector one.
    expect(lines.position(x)).toEqual({ line: 0, character: 11 });
    expect(lines.offset({ line: 0, character: 11 })).toBe(x);
    expect(lines.position(text.indexOf("next"))).toEqual({ line: 1, character: 0 });
  });

  it("treats CRLF, LF and lone CR as one line break each", () => {
    const text = "a\r\nbb\ncc\rdd";
    const lines = new LineIndex(text);
    expect(lines.lineCount).toBe(4);
    expect(lines.position(text.indexOf("bb"))).toEqual({ line: 1, character: 0 });
    expect(lines.position(text.indexOf("cc"))).toEqual({ line: 2, character: 0 });
    expect(lines.position(text.indexOf("dd"))).toEqual({ line: 3, character: 0 });
    // Between `\r` and `\n` is the end of the line, never a column inside the break.
    expect(lines.position(2)).toEqual({ line: 0, character: 1 });
    expect(lines.offset({ line: 0, character: 5 })).toBe(1);
  });

  it("round-trips every offset that is not inside a line break", () => {
    const text = "organism é {\r\n  role: \"🌧\"\r\n}\n\n/* a\rb */";
    const lines = new LineIndex(text);
    for (let offset = 0; offset <= text.length; offset++) {
      if (text[offset - 1] === "\r" && text[offset] === "\n") continue;
      expect(lines.offset(lines.position(offset))).toBe(offset);
    }
  });

  it("clamps positions outside the text", () => {
    const lines = new LineIndex("ab\ncd");
    expect(lines.offset({ line: 9, character: 0 })).toBe(5);
    expect(lines.offset({ line: 0, character: 99 })).toBe(2);
    expect(lines.offset({ line: -1, character: 3 })).toBe(0);
    expect(lines.position(99)).toEqual({ line: 1, character: 2 });
  });

  it("cuts ranges at line breaks for semantic tokens", () => {
    const lines = new LineIndex("/* a\r\nbc */ x");
    expect(lines.lineSpans({ start: 0, end: 11 })).toEqual([
      { line: 0, character: 0, length: 4 },
      { line: 1, character: 0, length: 5 },
    ]);
  });
});

describe("applyContentChanges", () => {
  it("applies incremental changes in order, each against the previous result", () => {
    const text = "organism a {\r\n  role: \"é\"\r\n}\r\n";
    const { text: after, edits } = applyContentChanges(text, [
      { range: { start: { line: 1, character: 9 }, end: { line: 1, character: 10 } }, text: "ü🌧" },
      { range: { start: { line: 0, character: 9 }, end: { line: 0, character: 10 } }, text: "prophet" },
    ]);
    expect(after).toBe('organism prophet {\r\n  role: "ü🌧"\r\n}\r\n');
    expect(edits[0]).toEqual({ start: 23, end: 24, newText: "ü🌧" });
  });

  it("takes a change without a range as the whole text", () => {
    expect(applyContentChanges("old", [{ text: "new" }]).text).toBe("new");
  });
});
