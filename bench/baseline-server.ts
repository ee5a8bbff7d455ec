import { createServer } from 'node:http';

/**
 * The benchmark's baseline: a bare Node HTTP server that reads the whole body and answers 200.
 * Whatever the hub costs on top of this is its own work (decode, validate, queue fsync, store).
 */
const server = createServer((req, res) => {
  let n = 0;
  req.on('data', (c: Buffer) => {
    n += c.length;
  });
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
    res.end();
    void n;
  });
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  if (a !== null && typeof a === 'object') process.stdout.write(`${JSON.stringify({ event: 'listening', port: a.port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
