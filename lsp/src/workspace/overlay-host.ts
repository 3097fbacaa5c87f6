// Unsaved buffers shadow the disk: the compiler reads open documents' text from here and
// everything else from the underlying host. Disk reads are remembered until the client reports
// a change to the file (`workspace/didChangeWatchedFiles`) or a document over it closes, so a
// keystroke never re-reads the workspace.
import type { CompilerHost, DirectoryEntry, EntryKind } from "@coal/compiler";

export class OverlayHost implements CompilerHost {
  private readonly overlay = new Map<string, string>();
  private readonly disk = new Map<string, string>();

  constructor(readonly base: CompilerHost) {}

  /** Shadows a file with a document's text. */
  set(path: string, text: string): void {
    this.overlay.set(this.base.join(path), text);
  }

  /** Stops shadowing a file (its document closed): the disk is read again. */
  delete(path: string): void {
    const key = this.base.join(path);
    this.overlay.delete(key);
    this.disk.delete(key);
  }

  /** Forgets what was read from disk for a file (it changed there). */
  invalidate(path?: string): void {
    if (path === undefined) this.disk.clear();
    else this.disk.delete(this.base.join(path));
  }

  isOpen(path: string): boolean {
    return this.overlay.has(this.base.join(path));
  }

  readFile(path: string): string {
    const key = this.base.join(path);
    const open = this.overlay.get(key);
    if (open !== undefined) return open;
    let text = this.disk.get(key);
    if (text === undefined) {
      text = this.base.readFile(path);
      this.disk.set(key, text);
    }
    return text;
  }

  stat(path: string): EntryKind | undefined {
    if (this.overlay.has(this.base.join(path))) return "file";
    return this.base.stat(path);
  }

  readDirectory(path: string): readonly DirectoryEntry[] {
    const entries = [...this.base.readDirectory(path)];
    const directory = this.base.join(path);
    for (const file of this.overlay.keys()) {
      if (this.base.dirname(file) !== directory) continue;
      const name = directory === "." ? file : file.slice(directory.length + 1);
      if (!entries.some((entry) => entry.name === name)) entries.push({ name, kind: "file" });
    }
    return entries;
  }

  join(...segments: string[]): string {
    return this.base.join(...segments);
  }

  dirname(path: string): string {
    return this.base.dirname(path);
  }

  relative(from: string, to: string): string {
    return this.base.relative(from, to);
  }

  isAbsolute(path: string): boolean {
    return this.base.isAbsolute(path);
  }
}
