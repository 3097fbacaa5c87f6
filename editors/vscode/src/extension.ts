// The VS Code side of coal: starts the language server (bundled into the extension as
// dist/server.mjs, with the standard library in std/) and shows what the server's commands
// return. Everything else — diagnostics, completion, hover with fingerprints, navigation,
// rename, formatting — is the server's, through the protocol.
import * as vscode from "vscode";
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

const explainCommand = "coal.explainFingerprint";
let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const configured = vscode.workspace.getConfiguration("coal").get<string>("server.path")?.trim();
  const module = configured || context.asAbsolutePath("dist/server.mjs");
  const args = configured ? [] : ["--stdlib", context.asAbsolutePath("std")];
  // A larger young generation, as coal-lsp's own `#!` line gives it: fewer pauses while typing.
  const options = { execArgv: ["--max-semi-space-size=64"] };
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio, args, options },
    debug: { module, transport: TransportKind.stdio, args, options },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "coal" }, { scheme: "untitled", language: "coal" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.coal") },
    middleware: {
      // The explanation comes back as the command's result: show it beside the source. From the
      // command palette there are no arguments: explain the declaration under the cursor.
      executeCommand: async (command, commandArgs, next) => {
        let args = commandArgs;
        const editor = vscode.window.activeTextEditor;
        if (command === explainCommand && args.length === 0 && editor !== undefined) {
          args = [editor.document.uri.toString(), { line: editor.selection.active.line, character: editor.selection.active.character }];
        }
        const result: unknown = await next(command, args);
        if (command === explainCommand) {
          if (typeof result !== "string") {
            void vscode.window.showInformationMessage("coal: no fingerprint here (the declaration has errors, or has no fingerprint)");
          } else {
            const document = await vscode.workspace.openTextDocument({ content: result, language: "plaintext" });
            await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
          }
        }
        return result;
      },
    },
  };
  client = new LanguageClient("coal", "coal", serverOptions, clientOptions);
  context.subscriptions.push(vscode.commands.registerCommand("coal.restartServer", () => client?.restart()));
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
