// A TCP-level HTTP proxy for the end-to-end tests: it forwards requests, streams (SSE) and
// WebSocket upgrades to the server, and can refuse WebSocket upgrades (as a proxy that does not
// know WebSocket) or go down entirely (a network cut), closing what it carries.

import { createServer, request } from 'node:http';
import { connect } from 'node:net';

export function startProxy(targetPort) {
  const sockets = new Set();
  const upgraded = new Set();
  const state = { blockWebSocket: false, down: false, upgrades: 0, refused: 0 };

  const server = createServer((req, res) => {
    if (state.down) {
      req.socket.destroy();
      return;
    }
    const up = request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        r.on('error', () => res.destroy());
      },
    );
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head) => {
    if (state.down || state.blockWebSocket) {
      state.refused++;
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    state.upgrades++;
    const up = connect(targetPort, '127.0.0.1', () => {
      let head0 = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        head0 += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      up.write(`${head0}\r\n`);
      if (head.length) up.write(head);
      socket.pipe(up).pipe(socket);
    });
    upgraded.add(socket);
    const close = () => {
      upgraded.delete(socket);
      socket.destroy();
      up.destroy();
    };
    socket.on('error', close).on('close', close);
    up.on('error', close).on('close', close);
  });

  return new Promise((ok) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      ok({
        port,
        state,
        /** Refuses WebSocket upgrades from now on, and cuts the WebSocket connections it carries. */
        blockWebSocket() {
          state.blockWebSocket = true;
          for (const s of upgraded) s.destroy();
        },
        allowWebSocket() {
          state.blockWebSocket = false;
        },
        /** Cuts every connection and refuses new ones until up(). */
        down() {
          state.down = true;
          for (const s of sockets) s.destroy();
        },
        up() {
          state.down = false;
        },
        close() {
          for (const s of sockets) s.destroy();
          return new Promise((r) => server.close(r));
        },
      });
    });
  });
}
