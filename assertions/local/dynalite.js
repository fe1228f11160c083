// Starts dynalite in memory on 127.0.0.1 and a random port, prints
// {"port": N} on stdout, and exits when stdin closes (the Go test ended).
'use strict';
const path = require('path');
const dynalite = require(path.join(process.env.BLUEPRINTS_TOOLS, 'node_modules', 'dynalite'));
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
