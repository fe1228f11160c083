// Starts dynalite in memory on 127.0.0.1 and a random port, prints
// {"port": N} on stdout, and exits when stdin closes (the Go test ended).
'use strict';
const path = require('path');
const dynalite = require(path.join(process.env.BLUEPRINTS_TOOLS, 'node_modules', 'dynalite'));
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
// dynalite throws on a request its client aborted (a handler process that
// a test stopped mid-call); a DynamoDB endpoint outlives its clients.
process.on('uncaughtException', (err) => {
  if (err && err.code === 'ECONNRESET') return;
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
