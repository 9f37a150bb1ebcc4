import type { Transporter } from 'nodemailer';

export interface AccountMail {
  subject: string;
  text: string;
}

/**
 * Emails to people about their account (an invitation, a password reset), through the SMTP server notifications
 * use (SMTP_URL, SMTP_FROM). Without SMTP_URL nothing is sent and `send` answers false, so the caller can hand the
 * link over another way. Each send is bounded by `timeoutMs` as a whole: nodemailer's own timeouts are per phase.
 */
export class AccountMailer {
  private transport?: Transporter;

  constructor(private readonly opts: { smtpUrl?: string; from: string; timeoutMs: number }) {}

  get configured(): boolean {
    return !!this.opts.smtpUrl;
  }

  /** True once the SMTP server accepted the message; false when there is none, it refused, or it took too long. */
  async send(to: string, mail: AccountMail): Promise<boolean> {
    if (!this.opts.smtpUrl) return false;
    const t = this.opts.timeoutMs;
    // Loaded by the first email, as the notification worker loads it: most processes never send one.
    this.transport ??= (require('nodemailer') as typeof import('nodemailer')).createTransport({ url: this.opts.smtpUrl, connectionTimeout: t, greetingTimeout: t, socketTimeout: t });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), t)));
    try {
      // An object address: nodemailer takes it as it is, never parsing a list or a display name out of it.
      const sent = this.transport.sendMail({ from: this.opts.from, to: { name: '', address: to }, subject: mail.subject, text: mail.text }).then(
        () => true,
        () => false, // refused or unreachable: the caller says so without the server's words (they may carry addresses)
      );
      return await Promise.race([sent, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.transport?.close();
  }
}
