// The server: LSP messages in, feature functions called, results out. It owns the one piece of
// timing the features do not: diagnostics. After an edit, the touched items are checked at once
// (a slice of the program) and published; a full check of every open document's closure follows
// once typing pauses. A newer edit cancels both: a pending quick check whose document moved on
// is skipped, and the full pass stops between documents and starts over after the pause.
import { Worker } from "node:worker_threads";
import type { CompilerHost } from "@coal/compiler";
import { CodeActionKind, DidChangeWatchedFilesNotification as DidChangeWatchedFiles, ErrorCodes, FileChangeType, ResponseError, TextDocumentSyncKind, type Connection, type InitializeParams, type InitializeResult, type ServerCapabilities } from "vscode-languageserver";
import { codeActions, documentDiagnostics } from "./features/diagnostics.js";
import { completion } from "./features/completion.js";
import { codeLenses, explainAt, explainCommand, hover, inlayHints, resolveCodeLens } from "./features/fingerprints.js";
import { foldingRanges } from "./features/folding.js";
import { formatting } from "./features/formatting.js";
import { definition, prepareRename, references, rename } from "./features/navigation.js";
import { semanticTokens, semanticTokensLegend } from "./features/semantic-tokens.js";
import { signatureHelp } from "./features/signature-help.js";
import { documentSymbols, workspaceSymbols } from "./features/symbols.js";
import { fileUris, Session } from "./session.js";
import { applyContentChanges } from "./text/positions.js";
import type { FullCheckRequest, FullCheckResponse } from "./workspace/full-check-worker.js";
import type { Document, PathMapper, Workspace } from "./workspace/workspace.js";
import { serverVersion } from "./version.js";
import { begin, end, note, phase, resume, type TraceRecord } from "./trace.js";

export interface ServerOptions {
  readonly host: CompilerHost;
  readonly stdlibRoot: string;
  readonly paths?: PathMapper;
  /** Quiet time after the last edit before the full check (ms). */
  readonly fullCheckDelayMs?: number;
  /** The full-check worker's script (`workspace/full-check-worker.js`); without it, full checks
   *  run on the main thread (tests, and wherever the host is not the file system). */
  readonly fullCheckWorker?: URL;
}

export const capabilities: ServerCapabilities = {
  positionEncoding: "utf-16",
  textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
  completionProvider: { triggerCharacters: [".", ":", "(", ",", '"', "/", "&", "|", "["] },
  hoverProvider: true,
  definitionProvider: true,
  referencesProvider: true,
  renameProvider: { prepareProvider: true },
  documentSymbolProvider: true,
  workspaceSymbolProvider: true,
  semanticTokensProvider: { legend: semanticTokensLegend, full: true },
  foldingRangeProvider: true,
  documentFormattingProvider: true,
  signatureHelpProvider: { triggerCharacters: ["(", ","] },
  inlayHintProvider: true,
  codeLensProvider: { resolveProvider: true },
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
  executeCommandProvider: { commands: [explainCommand] },
};

export function startServer(connection: Connection, options: ServerOptions): void {
  let session: Session | undefined;
  const paths = options.paths ?? fileUris;
  const log = (message: string) => connection.console.error(message);

  /** Runs a handler; an unexpected error is logged and answered with `fallback`, never fatal.
   *  A `ResponseError` (a refused rename, say) goes back to the client as it is. */
  function guard<P, R>(name: string, fallback: R, handler: (session: Session, params: P) => R): (params: P) => R {
    return (params: P) => {
      if (session === undefined) throw new ResponseError(ErrorCodes.ServerNotInitialized, "the server is not initialized");
      const record = begin(name);
      try {
        return handler(session, params);
      } catch (error) {
        if (error instanceof ResponseError) throw error;
        log(`coal-lsp: ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return fallback;
      } finally {
        end(record);
      }
    };
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const roots = (params.workspaceFolders ?? []).map((folder) => paths.toPath(folder.uri)).filter((path): path is string => path !== undefined);
    if (roots.length === 0 && params.rootUri) {
      const root = paths.toPath(params.rootUri);
      if (root !== undefined) roots.push(root);
    }
    session = new Session({ host: options.host, stdlibRoot: options.stdlibRoot, roots, paths });
    return { capabilities, serverInfo: { name: "coal-lsp", version: serverVersion } };
  });

  connection.onInitialized(() => {
    // Hear about `.coal` files changed outside the editor, where the client can watch them.
    void connection.client.register(DidChangeWatchedFiles.type, { watchers: [{ globPattern: "**/*.coal" }] }).catch(() => undefined);
  });

  // -------------------------------------------------------------------------------------------
  // Documents and diagnostics

  const fullCheckDelayMs = options.fullCheckDelayMs ?? 300;
  let fullTimer: NodeJS.Timeout | undefined;
  const fullyChecked = new WeakMap<Document, number>();

  const publish = (document: Document) => {
    if (session === undefined) return;
    const diagnostics = phase("convert", () => documentDiagnostics(session!, document.uri));
    note("count", diagnostics.length);
    phase("send", () => void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics }));
  };

  const quick = (workspace: Workspace, document: Document, record?: TraceRecord) => {
    const version = document.version;
    const queued = performance.now();
    end(record, false);
    setImmediate(() => {
      resume(record);
      note("waited", performance.now() - queued);
      // A newer edit has its own check queued: this one is stale.
      if (document.version !== version || workspace.document(document.path) !== document) return end(record);
      try {
        workspace.quickCheck(document);
        if (document.checkedVersion === document.version) fullyChecked.set(document, workspace.version);
      } catch (error) {
        log(`coal-lsp: checking ${document.uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
      publish(document);
      scheduleFull();
      end(record);
    });
  };

  const scheduleFull = () => {
    if (fullTimer !== undefined) clearTimeout(fullTimer);
    fullTimer = setTimeout(fullPass, fullCheckDelayMs);
  };

  // The worker (when there is one): at most one request in flight; an edit while it runs makes
  // its answer stale (ignored, document by document) and queues the next pass.
  let worker: Worker | undefined;
  let workerBusy = false;
  let workerAgain = false;
  let requestId = 0;
  const diskChanges = new Map<Workspace, { paths: string[]; created: boolean }>();
  if (options.fullCheckWorker !== undefined) {
    try {
      worker = new Worker(options.fullCheckWorker);
      worker.unref();
      worker.on("error", (error) => {
        log(`coal-lsp: the full-check worker failed (${error.message}); checking on the main thread from now on`);
        worker = undefined;
      });
    } catch (error) {
      log(`coal-lsp: no full-check worker (${error instanceof Error ? error.message : String(error)})`);
      worker = undefined;
    }
  }

  const workerPass = (active: Worker) => {
    if (session === undefined) return;
    if (workerBusy) {
      workerAgain = true;
      return;
    }
    const batches = session.workspaces.all().filter((workspace) => workspace.openDocuments().some((document) => fullyChecked.get(document) !== workspace.version) || diskChanges.has(workspace));
    if (batches.length === 0) return;
    workerBusy = true;
    let remaining = batches.length;
    for (const workspace of batches) {
      const generation = workspace.version;
      const documents = workspace.openDocuments();
      const disk = diskChanges.get(workspace) ?? { paths: [], created: false };
      diskChanges.delete(workspace);
      const id = ++requestId;
      const request: FullCheckRequest = { id, root: workspace.root, stdlibRoot: workspace.options.stdlibRoot, documents: documents.map((d) => ({ uri: d.uri, path: d.path, version: d.version, text: d.text })), changedOnDisk: disk.paths, created: disk.created };
      const onMessage = (response: FullCheckResponse) => {
        if (response.id !== id) return;
        const record = begin("worker", { id });
        active.off("message", onMessage);
        if (response.error !== undefined) log(`coal-lsp: full check failed: ${response.error}`);
        for (const result of response.results) {
          const document = documents.find((d) => d.path === result.path);
          if (document !== undefined && workspace.acceptFullCheck(document, result.version, result.diagnostics)) {
            if (workspace.version === generation) fullyChecked.set(document, generation);
            publish(document);
          }
        }
        end(record);
        if (--remaining === 0) {
          workerBusy = false;
          if (workerAgain) {
            workerAgain = false;
            scheduleFull();
          }
        }
      };
      active.on("message", onMessage);
      const record = begin("post", { id });
      active.postMessage(request);
      end(record);
    }
  };

  /** Checks every open document whose closure changed since its last full check, one per turn
   *  of the event loop; an edit in between stops the pass (the edit schedules another). */
  const fullPass = () => {
    fullTimer = undefined;
    if (session === undefined) return;
    if (worker !== undefined) return workerPass(worker);
    const pending = session.workspaces.all().flatMap((workspace) => workspace.openDocuments().map((document) => ({ workspace, document, generation: workspace.version })));
    const next = () => {
      const item = pending.shift();
      if (item === undefined || fullTimer !== undefined) return;
      const { workspace, document, generation } = item;
      if (workspace.version !== generation || workspace.document(document.path) !== document) return;
      if (fullyChecked.get(document) !== generation) {
        try {
          workspace.fullCheck(document);
          fullyChecked.set(document, generation);
          publish(document);
        } catch (error) {
          log(`coal-lsp: checking ${document.uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        }
      }
      setImmediate(next);
    };
    next();
  };

  connection.onDidOpenTextDocument((params) => {
    if (session === undefined) return;
    const found = session.workspaceOf(params.textDocument.uri);
    if (found === undefined) return;
    const document = found.workspace.open(params.textDocument.uri, found.path, params.textDocument.version, params.textDocument.text);
    quick(found.workspace, document);
  });

  connection.onDidChangeTextDocument((params) => {
    if (session === undefined) return;
    const found = session.workspaceOf(params.textDocument.uri);
    const document = found?.workspace.document(found.path);
    if (found === undefined || document === undefined) return;
    const record = begin("edit", { version: params.textDocument.version });
    try {
      // The document's line index is the one of its current text (its last diagnostics used it).
      const { edits } = phase("apply", () => applyContentChanges(document.text, params.contentChanges, document.lines));
      phase("change", () => found.workspace.change(found.path, params.textDocument.version, edits));
    } catch (error) {
      log(`coal-lsp: applying a change to ${params.textDocument.uri} failed: ${error instanceof Error ? error.message : String(error)}`);
      end(record);
      return;
    }
    quick(found.workspace, document, record);
  });

  connection.onDidCloseTextDocument((params) => {
    if (session === undefined) return;
    const found = session.workspaceOf(params.textDocument.uri);
    if (found === undefined) return;
    found.workspace.close(found.path);
    connection.sendDiagnostics({ uri: params.textDocument.uri, diagnostics: [] });
    scheduleFull();
  });

  connection.onDidChangeWatchedFiles((params) => {
    if (session === undefined) return;
    for (const change of params.changes) {
      const found = session.workspaceOf(change.uri);
      if (found === undefined || found.workspace.document(found.path) !== undefined) continue;
      found.workspace.filesChanged([found.path], change.type !== FileChangeType.Changed);
      const disk = diskChanges.get(found.workspace) ?? { paths: [], created: false };
      disk.paths.push(found.path);
      disk.created ||= change.type !== FileChangeType.Changed;
      diskChanges.set(found.workspace, disk);
    }
    scheduleFull();
  });

  // -------------------------------------------------------------------------------------------
  // Features

  connection.onCompletion(guard("completion", { isIncomplete: false, items: [] }, completion));
  connection.onHover(guard("hover", null, hover));
  connection.onDefinition(guard("definition", null, definition));
  connection.onReferences(guard("references", [], references));
  connection.onPrepareRename(guard("prepareRename", null, prepareRename));
  connection.onRenameRequest(guard("rename", null, rename));
  connection.onDocumentSymbol(guard("documentSymbol", [], documentSymbols));
  connection.onWorkspaceSymbol(guard("workspaceSymbol", [], workspaceSymbols));
  connection.languages.semanticTokens.on(guard("semanticTokens", { data: [] }, semanticTokens));
  connection.onFoldingRanges(guard("foldingRange", [], foldingRanges));
  connection.onDocumentFormatting(guard("formatting", [], formatting));
  connection.onSignatureHelp(guard("signatureHelp", null, signatureHelp));
  connection.languages.inlayHint.on(guard("inlayHint", [], inlayHints));
  connection.onCodeLens(guard("codeLens", [], codeLenses));
  connection.onCodeLensResolve(guard("codeLensResolve", { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }, resolveCodeLens));
  connection.onCodeAction(guard("codeAction", [], codeActions));
  connection.onExecuteCommand(
    guard("executeCommand", null, (current, params) => {
      if (params.command !== explainCommand) throw new ResponseError(ErrorCodes.InvalidParams, `unknown command \`${params.command}\``);
      const [uri, position] = params.arguments ?? [];
      if (typeof uri !== "string" || typeof position !== "object" || position === null) throw new ResponseError(ErrorCodes.InvalidParams, `${explainCommand} takes a document URI and a position`);
      return explainAt(current, uri, position as { line: number; character: number }) ?? null;
    }),
  );
  connection.onShutdown(() => {
    if (fullTimer !== undefined) clearTimeout(fullTimer);
    fullTimer = undefined;
    void worker?.terminate();
    worker = undefined;
  });
}
