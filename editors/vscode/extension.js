// The aud extension: starts `aud lsp` for .aud files (editors/README.md).
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration('aud');
  const env = config.get('env');
  const args = env ? ['--env', env, 'lsp'] : ['lsp'];
  const server = { command: config.get('path') || 'aud', args, transport: TransportKind.stdio };
  client = new LanguageClient('aud', 'aud', server, {
    documentSelector: [{ scheme: 'file', language: 'aud' }, { scheme: 'untitled', language: 'aud' }],
  });
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
