// A real SMTP server for the end-to-end suite: accepts mail on SMTP_PORT and serves what it
// received as JSON on HTTP_PORT (GET /messages?to=address), so journeys can read the
// invitation email the app actually sent. Loopback only.
const net = require('net');
const http = require('http');

const smtpPort = Number(process.env.SMTP_PORT ?? 2626);
const httpPort = Number(process.env.SMTP_HTTP_PORT ?? 2627);
const messages = [];

net
  .createServer((socket) => {
    let buffer = '';
    let inData = false;
    let data = [];
    let to = [];
    const reply = (line) => socket.write(line + '\r\n');
    reply('220 sink.test ESMTP e2e sink');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let i;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            const raw = data.join('\n').replace(/=\n/g, '').replace(/=3D/g, '=');
            messages.push({ to, raw, at: Date.now() });
            to = [];
            data = [];
            reply('250 OK queued');
          } else {
            data.push(line.startsWith('..') ? line.slice(1) : line);
          }
          continue;
        }
        const upper = line.toUpperCase();
        if (upper.startsWith('EHLO')) socket.write('250-sink.test\r\n250 8BITMIME\r\n');
        else if (upper.startsWith('RCPT TO')) {
          to.push(line.slice(8).trim().replace(/[<>]/g, ''));
          reply('250 OK');
        } else if (upper.startsWith('DATA')) {
          inData = true;
          reply('354 End data with <CR><LF>.<CR><LF>');
        } else if (upper.startsWith('QUIT')) {
          reply('221 Bye');
          socket.end();
        } else if (/^(HELO|MAIL FROM|RSET|NOOP)/.test(upper)) reply('250 OK');
        else reply('502 Command not implemented');
      }
    });
    socket.on('error', () => {});
  })
  .listen(smtpPort, '127.0.0.1');

http
  .createServer((req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${httpPort}`);
    if (url.pathname === '/health') {
      res.end('ok');
      return;
    }
    const who = (url.searchParams.get('to') ?? '').toLowerCase();
    const found = messages.filter((m) => !who || m.to.some((t) => t.toLowerCase() === who));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(found));
  })
  .listen(httpPort, '127.0.0.1');
