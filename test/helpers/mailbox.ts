import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { eventually } from './receiver';

export interface Mail {
  to: string[];
  /** The message as the server received it (headers and body), quoted-printable soft breaks undone. */
  data: string;
}

export interface Mailbox {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  url: string;
  mails: Mail[];
  /** The first mail to `address` after the first `after` mails, once it arrived. */
  next(address: string, after?: number): Promise<Mail>;
  close(): Promise<void>;
}

/** A message's text as written: quoted-printable (nodemailer's choice for long lines) undone when it is used. */
function decoded(data: string): string {
  if (!/^Content-Transfer-Encoding: quoted-printable/im.test(data)) return data;
  return data.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A real SMTP server in process (smtp-server), keeping every message it is given. */
export async function startMailbox(): Promise<Mailbox> {
  const mails: Mail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data: decoded(data) });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const port = (smtp.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    next: (address, after = 0) => eventually(async () => mails.slice(after).find((m) => m.to.includes(address))),
    close: () => new Promise<void>((r) => smtp.close(() => r())),
  };
}

/** The link to `page` (`/dashboard/accept-invite`, …) in a mail, as written in it. */
export function linkIn(mail: Mail, page: string): string {
  const m = new RegExp(`https?://[^\\s]+${page.replace(/[/-]/g, '\\$&')}\\?token=[0-9A-Za-z]+`).exec(mail.data);
  if (!m) throw new Error(`no ${page} link in:\n${mail.data}`);
  return m[0];
}
