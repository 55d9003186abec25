/**
 * A local SMTP server that accepts every message and keeps it in memory (the newest `keep`), with a
 * small web page and a JSON API to read what arrived: what `npm start` points SMTP_URL at, so no
 * email leaves the machine. Tests start it on free ports.
 *
 *   GET  /                    the list, newest first (refreshes itself)
 *   GET  /messages            the same as JSON
 *   GET  /messages/:id        one message as JSON
 *   GET  /messages/:id/html   its HTML body (sandboxed: no scripts, no requests)
 *   DELETE /messages          forget everything
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  id: number;
  receivedAt: string;
  /** The SMTP envelope: who the relay was told the message is from and for (Bcc included). */
  envelope: { from: string | null; to: string[] };
  from: string;
  to: string;
  subject: string;
  messageId: string | null;
  text: string;
  html: string | null;
}

export interface SmtpCatcherOptions {
  host?: string;
  /** 0 picks a free port. */
  smtpPort?: number;
  httpPort?: number;
  /** How many messages to keep; older ones are forgotten. */
  keep?: number;
  /**
   * False keeps only the SMTP envelope of each message (who from, who to), without parsing it:
   * for a benchmark, where the catcher stands for a relay on another machine and parsing every
   * mail would take CPU from the services measured beside it. Default true.
   */
  parse?: boolean;
}

export interface SmtpCatcher {
  smtpUrl: string;
  webUrl: string;
  /** Oldest first. */
  readonly messages: readonly CaughtMail[];
  stop(): Promise<void>;
}

const addressText = (a: AddressObject | AddressObject[] | undefined): string =>
  (Array.isArray(a) ? a : a ? [a] : []).map((x) => x.text).join(', ');

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function indexPage(messages: readonly CaughtMail[]): string {
  const rows = [...messages]
    .reverse()
    .map(
      (m) => `<tr><td>${escapeHtml(m.receivedAt)}</td><td>${escapeHtml(m.to)}</td>
        <td><details><summary>${escapeHtml(m.subject || '(no subject)')}</summary><pre>${escapeHtml(m.text)}</pre></details></td>
        <td>${m.html ? `<a href="/messages/${m.id}/html" target="_blank">HTML</a> · ` : ''}<a href="/messages/${m.id}">JSON</a></td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Caught mail (${messages.length})</title>
<style>body{font-family:system-ui,sans-serif;margin:24px}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left;vertical-align:top}pre{white-space:pre-wrap}</style></head>
<body><h1>Caught mail</h1><p>${messages.length} message(s), newest first. Nothing here was delivered to anyone. <a href="/messages">JSON</a></p>
<table><tr><th>Received</th><th>To</th><th>Subject</th><th></th></tr>${rows || '<tr><td colspan="4">Nothing yet.</td></tr>'}</table></body></html>`;
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

function listen(server: Server | SMTPServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const net = server instanceof SMTPServer ? server.server : server;
    net.once('error', reject);
    server.listen(port, host, () => {
      net.off('error', reject);
      resolve((net.address() as AddressInfo).port);
    });
  });
}

export async function startSmtpCatcher(opts: SmtpCatcherOptions = {}): Promise<SmtpCatcher> {
  const host = opts.host ?? '127.0.0.1';
  const keep = opts.keep ?? 500;
  const messages: CaughtMail[] = [];
  let nextId = 1;

  const smtp = new SMTPServer({
    authOptional: true,
    // Plain text only: a self-signed STARTTLS offer would make strict clients refuse to send.
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: 25 * 1024 * 1024,
    // Idle pooled client connections must not hold a restart or a Ctrl-C for the default 30 s.
    closeTimeout: 500,
    logger: false,
    onData(stream, session, callback) {
      const envelope = { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null, to: session.envelope.rcptTo.map((r) => r.address) };
      const caught = (mail: Omit<CaughtMail, 'id' | 'receivedAt' | 'envelope'>) => {
        messages.push({ id: nextId++, receivedAt: new Date().toISOString(), envelope, ...mail });
        messages.splice(0, Math.max(0, messages.length - keep));
        callback();
      };
      if (opts.parse === false) {
        stream.on('end', () => caught({ from: envelope.from ?? '', to: envelope.to.join(', '), subject: '', messageId: null, text: '', html: null }));
        stream.on('error', (err) => callback(err));
        stream.resume();
        return;
      }
      simpleParser(stream).then(
        (mail) =>
          caught({
            from: addressText(mail.from),
            to: addressText(mail.to),
            subject: mail.subject ?? '',
            messageId: mail.messageId ?? null,
            text: mail.text ?? '',
            html: mail.html || null,
          }),
        (err: Error) => callback(err),
      );
    },
  });

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://catcher').pathname;
    const match = /^\/messages\/(\d+)(\/html)?$/.exec(path);
    if (req.method === 'GET' && path === '/') return send(res, 200, 'text/html', indexPage(messages));
    if (req.method === 'GET' && path === '/messages') return send(res, 200, 'application/json', JSON.stringify([...messages].reverse()));
    if (req.method === 'DELETE' && path === '/messages') {
      messages.length = 0;
      return send(res, 204, 'text/plain', '');
    }
    if (req.method === 'GET' && match) {
      const mail = messages.find((m) => m.id === Number(match[1]));
      if (!mail) return send(res, 404, 'text/plain', 'no such message');
      if (!match[2]) return send(res, 200, 'application/json', JSON.stringify(mail));
      // The HTML came from whoever sent it: show it, but let it run nothing and load nothing.
      return send(res, 200, 'text/html', mail.html ?? escapeHtml(mail.text), { 'content-security-policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'" });
    }
    send(res, 404, 'text/plain', 'not found');
  });

  const smtpPort = await listen(smtp, opts.smtpPort ?? 1025, host);
  let httpPort: number;
  try {
    httpPort = await listen(http, opts.httpPort ?? 1080, host);
  } catch (err) {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    throw err;
  }
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    smtpUrl: `smtp://${shown}:${smtpPort}`,
    webUrl: `http://${shown}:${httpPort}`,
    messages,
    async stop() {
      http.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        new Promise<void>((resolve) => http.close(() => resolve())),
      ]);
    },
  };
}
