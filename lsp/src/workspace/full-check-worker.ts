// The full check, off the main thread. The server's main thread answers keystrokes (a quick
// check of the touched items) and requests; checking whole closures — hundreds of milliseconds
// on a large file — happens here, in a worker thread with its own warm workspace (its own parse
// cache), so a pause in typing never delays the next keystroke. The main thread posts the open
// documents' texts and versions; the worker answers with each one's checker diagnostics, which
// the main thread takes only if the document is still at that version.
import { parentPort } from "node:worker_threads";
import { NodeHost, type CompilerHost } from "@coal/compiler";
import type { Diagnostic } from "@coal/language";
import { Workspace, type PathMapper } from "./workspace.js";

export interface FullCheckRequest {
  readonly id: number;
  readonly root: string;
  readonly stdlibRoot: string;
  /** Open documents: uri, path, version, text. */
  readonly documents: readonly { readonly uri: string; readonly path: string; readonly version: number; readonly text: string }[];
  /** Files changed on disk since the last request (`created`: the file list may have changed). */
  readonly changedOnDisk: readonly string[];
  readonly created: boolean;
}

export interface FullCheckResponse {
  readonly id: number;
  readonly results: readonly { readonly path: string; readonly version: number; readonly diagnostics: readonly Diagnostic[] }[];
  readonly error?: string;
}

/** Serves full-check requests on a message port (the worker's, or any other: tests). */
export function serveFullChecks(port: { on(event: "message", listener: (request: FullCheckRequest) => void): void; postMessage(response: FullCheckResponse): void }, host: CompilerHost = new NodeHost()): void {
  const workspaces = new Map<string, Workspace>();
  const paths: PathMapper = { toPath: () => undefined, toUri: (path) => path };
  port.on("message", (request) => {
    try {
      let workspace = workspaces.get(request.root);
      if (workspace === undefined) {
        workspace = new Workspace({ host, root: request.root, stdlibRoot: request.stdlibRoot, paths });
        workspaces.set(request.root, workspace);
      }
      if (request.changedOnDisk.length > 0 || request.created) workspace.filesChanged(request.changedOnDisk, request.created);
      const wanted = new Set(request.documents.map((d) => d.path));
      for (const document of workspace.openDocuments()) if (!wanted.has(document.path)) workspace.close(document.path);
      for (const { uri, path, version, text } of request.documents) {
        const document = workspace.document(path);
        if (document === undefined || document.text !== text) {
          if (document !== undefined) workspace.close(path);
          workspace.open(uri, path, version, text);
        } else {
          document.version = version;
        }
      }
      const results = request.documents.map(({ path, version }) => {
        const document = workspace.document(path)!;
        workspace.fullCheck(document);
        return { path, version, diagnostics: document.semantic };
      });
      port.postMessage({ id: request.id, results });
    } catch (error) {
      port.postMessage({ id: request.id, results: [], error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
}

if (parentPort !== null) serveFullChecks(parentPort as unknown as Parameters<typeof serveFullChecks>[0]);
