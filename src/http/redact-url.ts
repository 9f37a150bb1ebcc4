import { redactKeys } from '../modules/auth/key-format';

/**
 * A query parameter named `token` or ending in it (`token`, `access_token`, `reset_token`…), with its value: the
 * single-use links tracer prints (`/dashboard/setup?token=…`, the set-password and invitation links) carry their
 * secret there, as the documented paths ask, and a link opened against this server must not leave it in a log.
 */
const TOKEN_PARAM = /([?&;][^=&#;]*token=)[^&#;]*/gi;

/** `url` as it may be logged: API keys anywhere in it, and the values of token parameters, replaced. */
export const redactUrl = (url: string): string => redactKeys(url).replace(TOKEN_PARAM, '$1[redacted]');
