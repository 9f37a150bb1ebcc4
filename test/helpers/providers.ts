import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local stand-ins for PagerDuty, Opsgenie, Microsoft Teams, Discord and Telegram on 127.0.0.1: each checks the
 * request against its provider's documented shape (required fields and their types) and answers as the provider
 * does, its error answers included. A request that breaks the shape is answered as the provider would (400/422)
 * and listed in `violations`, so a test can require there were none.
 */
export interface ProviderCall {
  provider: 'pagerduty' | 'opsgenie' | 'teams' | 'discord' | 'telegram';
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  answered: number;
}

export interface Providers {
  url: string;
  calls: ProviderCall[];
  violations: string[];
  /** The PagerDuty routing key (32 characters) the fake knows; others are answered 400 invalid routing key. */
  routingKey: string;
  genieKey: string;
  botToken: string;
  waitFor(pred: (c: ProviderCall) => boolean, count?: number): Promise<ProviderCall[]>;
  close(): Promise<void>;
}

const isStr = (v: unknown, min = 1, max = Infinity): v is string => typeof v === 'string' && v.length >= min && v.length <= max;
const isIso = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const isUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\/\S+$/.test(v);

/** PagerDuty Events API v2 (developer.pagerduty.com, "Send an Alert Event"). */
function pagerduty(b: Record<string, unknown>, known: string): { status: number; body: unknown; errors: string[] } {
  const errors: string[] = [];
  if (!isStr(b.routing_key, 32, 32)) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  if (!['trigger', 'acknowledge', 'resolve'].includes(b.event_action as string)) errors.push("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");
  if (b.dedup_key !== undefined && !isStr(b.dedup_key, 1, 255)) errors.push("'dedup_key' must be a string of at most 255 characters");
  if (b.event_action !== 'trigger' && !isStr(b.dedup_key)) errors.push("'dedup_key' is required for acknowledge and resolve");
  if (b.event_action === 'trigger') {
    const p = b.payload as Record<string, unknown> | undefined;
    if (!p || typeof p !== 'object') errors.push("'payload' is missing or not an object");
    else {
      if (!isStr(p.summary, 1, 1024)) errors.push("'payload.summary' is missing or longer than 1024 characters");
      if (!isStr(p.source, 1)) errors.push("'payload.source' is missing");
      if (!['critical', 'error', 'warning', 'info'].includes(p.severity as string)) errors.push("'payload.severity' is invalid");
      if (p.timestamp !== undefined && !isIso(p.timestamp)) errors.push("'payload.timestamp' is not ISO 8601");
      if (p.custom_details !== undefined && (typeof p.custom_details !== 'object' || p.custom_details === null)) errors.push("'payload.custom_details' must be an object");
    }
    if (b.links !== undefined && (!Array.isArray(b.links) || b.links.some((l) => !isUrl((l as { href?: unknown }).href))))
      errors.push("'links' must be an array of { href, text }");
  }
  if (errors.length) return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors }, errors };
  if (b.routing_key !== known) return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] }, errors: [] };
  return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: b.dedup_key }, errors: [] };
}

/** Opsgenie Alert API (docs.opsgenie.com, "Alert API": create, acknowledge, close). */
function opsgenie(path: string, query: URLSearchParams, auth: string | undefined, b: Record<string, unknown>, key: string): { status: number; body: unknown; errors: string[] } {
  const took = 0.01;
  const requestId = 'req-1';
  if (auth !== `GenieKey ${key}`) return { status: 401, body: { message: 'Could not authenticate', took, requestId }, errors: [] };
  const errors: string[] = [];
  const action = /^\/v2\/alerts\/([^/]+)\/(acknowledge|close)$/.exec(path);
  if (path === '/v2/alerts') {
    if (!isStr(b.message, 1, 130)) errors.push('message is required and at most 130 characters');
    if (b.alias !== undefined && !isStr(b.alias, 1, 512)) errors.push('alias is at most 512 characters');
    if (b.description !== undefined && !isStr(b.description, 0, 15000)) errors.push('description is at most 15000 characters');
    if (b.priority !== undefined && !['P1', 'P2', 'P3', 'P4', 'P5'].includes(b.priority as string)) errors.push('priority is one of P1 to P5');
    if (b.tags !== undefined && (!Array.isArray(b.tags) || b.tags.some((t) => !isStr(t, 1, 50)))) errors.push('tags are strings of at most 50 characters');
    if (b.details !== undefined && (typeof b.details !== 'object' || Object.values(b.details as object).some((v) => typeof v !== 'string'))) errors.push('details are string values');
    if (b.source !== undefined && !isStr(b.source, 1, 100)) errors.push('source is at most 100 characters');
  } else if (action) {
    if (query.get('identifierType') !== 'alias') errors.push('identifierType=alias is expected (the alias is what tracer knows)');
    for (const [f, max] of [['user', 100], ['source', 100], ['note', 25000]] as const) if (b[f] !== undefined && !isStr(b[f], 1, max)) errors.push(`${f} is at most ${max} characters`);
  } else return { status: 404, body: { message: 'Not found', took, requestId }, errors: [`unknown path ${path}`] };
  if (errors.length) return { status: 422, body: { message: errors.join('; '), took, requestId }, errors };
  return { status: 202, body: { result: 'Request will be processed', took, requestId }, errors: [] };
}

const CARD_ELEMENTS = new Set(['TextBlock', 'FactSet', 'ColumnSet', 'Container', 'Image', 'ActionSet', 'RichTextBlock']);

/** A Teams Workflows webhook ("Post to a channel when a webhook request is received"): a message with an Adaptive Card. */
function teams(b: Record<string, unknown>): string[] {
  const errors: string[] = [];
  if (b.type !== 'message') errors.push('type must be "message"');
  const atts = b.attachments as Array<Record<string, unknown>> | undefined;
  if (!Array.isArray(atts) || atts.length < 1) return [...errors, 'attachments must hold the card'];
  for (const a of atts) {
    if (a.contentType !== 'application/vnd.microsoft.card.adaptive') errors.push('contentType must be application/vnd.microsoft.card.adaptive');
    const c = a.content as Record<string, unknown> | undefined;
    if (!c || c.type !== 'AdaptiveCard') {
      errors.push('content.type must be AdaptiveCard');
      continue;
    }
    if (!isStr(c.version) || !/^1\.\d$/.test(c.version as string)) errors.push('content.version must be 1.x');
    if (!Array.isArray(c.body)) errors.push('content.body must be an array');
    for (const el of (c.body as Array<Record<string, unknown>>) ?? []) {
      if (!CARD_ELEMENTS.has(el.type as string)) errors.push(`unknown element ${String(el.type)}`);
      if (el.type === 'TextBlock' && !isStr(el.text)) errors.push('TextBlock.text is required');
      if (el.type === 'FactSet' && (!Array.isArray(el.facts) || (el.facts as Array<Record<string, unknown>>).some((f) => !isStr(f.title) || typeof f.value !== 'string')))
        errors.push('FactSet.facts are { title, value } strings');
    }
    for (const act of (c.actions as Array<Record<string, unknown>>) ?? []) {
      if (act.type !== 'Action.OpenUrl' || !isStr(act.title) || !isUrl(act.url)) errors.push('actions are Action.OpenUrl with a title and an absolute url');
    }
  }
  return errors;
}

/** Discord "Execute Webhook" (discord.com/developers/docs/resources/webhook): content and embeds, with their limits. */
function discord(b: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const embeds = b.embeds as Array<Record<string, unknown>> | undefined;
  if (b.content === undefined && !embeds?.length) errors.push('content or embeds is required');
  if (b.content !== undefined && !isStr(b.content, 0, 2000)) errors.push('content is at most 2000 characters');
  if (embeds !== undefined && (!Array.isArray(embeds) || embeds.length > 10)) errors.push('embeds is an array of at most 10');
  for (const e of embeds ?? []) {
    if (e.title !== undefined && !isStr(e.title, 1, 256)) errors.push('embed.title is at most 256 characters');
    if (e.description !== undefined && !isStr(e.description, 1, 4096)) errors.push('embed.description is at most 4096 characters');
    if (e.url !== undefined && !isUrl(e.url)) errors.push('embed.url must be a URL');
    if (e.color !== undefined && (!Number.isInteger(e.color) || (e.color as number) < 0 || (e.color as number) > 0xffffff)) errors.push('embed.color is an integer RGB');
    if (e.timestamp !== undefined && !isIso(e.timestamp)) errors.push('embed.timestamp is ISO 8601');
    const fields = (e.fields as Array<Record<string, unknown>>) ?? [];
    if (fields.length > 25) errors.push('at most 25 fields');
    for (const f of fields) if (!isStr(f.name, 1, 256) || !isStr(f.value, 1, 1024)) errors.push('field name ≤ 256 and value ≤ 1024 characters, both required');
  }
  return errors;
}

/** Telegram Bot API sendMessage (core.telegram.org/bots/api#sendmessage), HTML parse mode's allowed tags. */
function telegram(b: Record<string, unknown>): string[] {
  const errors: string[] = [];
  if (!(typeof b.chat_id === 'number' || (typeof b.chat_id === 'string' && /^(-?\d+|@\w{4,32})$/.test(b.chat_id)))) errors.push('chat_id is an integer or @channelusername');
  if (!isStr(b.text, 1, 4096)) errors.push('text is 1 to 4096 characters');
  if (b.parse_mode !== undefined && !['HTML', 'MarkdownV2', 'Markdown'].includes(b.parse_mode as string)) errors.push('parse_mode is HTML, MarkdownV2 or Markdown');
  if (b.parse_mode === 'HTML' && typeof b.text === 'string') {
    for (const m of b.text.matchAll(/<\/?([a-z-]+)[^>]*>/gi)) if (!['b', 'strong', 'i', 'em', 'u', 's', 'a', 'code', 'pre', 'blockquote', 'tg-spoiler'].includes(m[1].toLowerCase())) errors.push(`unsupported tag <${m[1]}>`);
    if (/&(?!(lt|gt|amp|quot);)/.test(b.text)) errors.push('a bare & must be &amp;');
  }
  return errors;
}

export async function startProviders(): Promise<Providers> {
  const waiters: Array<() => void> = [];
  const p: Providers = {
    url: '',
    calls: [],
    violations: [],
    routingKey: 'R0ut1ngK3yR0ut1ngK3yR0ut1ngK3y01',
    genieKey: 'eb243592-faa2-4ba2-a551q-1afdf565c889',
    botToken: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
    waitFor: (pred, count = 1) =>
      new Promise((resolve) => {
        const attempt = () => {
          const hits = p.calls.filter(pred);
          if (hits.length >= count) resolve(hits);
          else waiters.push(attempt);
        };
        attempt();
      }),
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      let body: Record<string, unknown> = {};
      const send = (provider: ProviderCall['provider'], status: number, answer: unknown, errors: string[] = []) => {
        p.violations.push(...errors.map((e) => `${provider} ${u.pathname}: ${e}`));
        p.calls.push({ provider, path: u.pathname, query: u.searchParams, headers: req.headers, body, answered: status });
        if (answer === undefined) res.writeHead(status).end();
        else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        for (const w of waiters.splice(0)) w();
      };
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send('pagerduty', 400, { message: 'not JSON' }, ['the body is not JSON']);
      }
      if (req.headers['content-type'] !== 'application/json') p.violations.push(`${u.pathname}: content-type ${req.headers['content-type']}`);
      if (u.pathname === '/pagerduty/v2/enqueue') {
        const r = pagerduty(body, p.routingKey);
        return send('pagerduty', r.status, r.body, r.errors);
      }
      const og = /^\/opsgenie-(us|eu)(\/.*)$/.exec(u.pathname);
      if (og) {
        const r = opsgenie(og[2], u.searchParams, req.headers.authorization, body, p.genieKey);
        return send('opsgenie', r.status, r.body, r.errors);
      }
      if (u.pathname.startsWith('/teams/')) {
        if (u.pathname === '/teams/deleted') return send('teams', 404, { error: { code: 'WorkflowNotFound', message: 'The workflow could not be found.' } });
        const errors = teams(body);
        return send('teams', errors.length ? 400 : 202, errors.length ? { error: { code: 'BadRequest', message: errors.join('; ') } } : undefined, errors);
      }
      if (u.pathname.startsWith('/discord/api/webhooks/')) {
        if (u.pathname.includes('/deleted/')) return send('discord', 404, { message: 'Unknown Webhook', code: 10015 });
        const errors = discord(body);
        return send('discord', errors.length ? 400 : 204, errors.length ? { message: 'Invalid Form Body', code: 50035, errors } : undefined, errors);
      }
      const tg = /^\/telegram\/bot([^/]+)\/sendMessage$/.exec(u.pathname);
      if (tg) {
        if (tg[1] !== p.botToken) return send('telegram', 401, { ok: false, error_code: 401, description: 'Unauthorized' });
        const errors = telegram(body);
        if (errors.length) return send('telegram', 400, { ok: false, error_code: 400, description: `Bad Request: ${errors[0]}` }, errors);
        if (String(body.chat_id) === '-100404') return send('telegram', 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
        return send('telegram', 200, { ok: true, result: { message_id: p.calls.length + 1, chat: { id: Number(body.chat_id) }, date: Math.floor(Date.now() / 1000), text: body.text } });
      }
      send('pagerduty', 404, { message: 'no such path' }, [`unknown path ${u.pathname}`]);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  p.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return p;
}
