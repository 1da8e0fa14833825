// phasec for VS Code: the language server client.
//
// Highlighting comes from syntaxes/phasec.tmLanguage.json (no code needed); this
// file starts `phasec lsp` over stdio for .phc files, with the executable taken
// from the `phasec.path` setting, and restarts it when that setting changes.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function serverOptions() {
  const configured = vscode.workspace.getConfiguration("phasec").get("path");
  const command = (configured && configured.trim()) || "phasec";
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  const resolved = folder ? command.replace("${workspaceFolder}", folder.uri.fsPath) : command;
  // An Executable without a transport speaks LSP over the child's stdin/stdout.
  const exe = { command: resolved, args: ["lsp"] };
  return { run: exe, debug: exe };
}

async function start() {
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "phasec" },
      { scheme: "untitled", language: "phasec" },
    ],
    synchronize: {
      // Configuration ([tool.phasec]) lives in pyproject.toml or phasec.toml.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{pyproject.toml,phasec.toml}"),
    },
  };
  client = new LanguageClient("phasec", "phasec", serverOptions(), clientOptions);
  try {
    await client.start();
  } catch (err) {
    const path = serverOptions().run.command;
    vscode.window.showErrorMessage(
      `phasec: could not start \`${path} lsp\` (${err && err.message ? err.message : err}). ` +
        "Install phasec (`pip install .` in its repository) or set `phasec.path`."
    );
  }
}

async function stop() {
  if (client) {
    const c = client;
    client = undefined;
    try {
      await c.stop();
    } catch (_) {
      // A server that never started has nothing to stop.
    }
  }
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("phasec.restartServer", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("phasec.path")) {
        await stop();
        await start();
      }
    }),
    { dispose: () => stop() }
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
