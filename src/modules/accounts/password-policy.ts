import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { badInput } from '../../errors';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;
/** zxcvbn's scale is 0-4; 3 is "safely unguessable: moderate protection from offline slow-hash scenario". */
const MIN_SCORE = 3;
/**
 * zxcvbn's matching grows with the length it reads (256 repeated characters: ~250 ms of the request thread); it
 * reads the first 64 here (~20-80 ms at worst). Past 64 characters a password is long enough that its start
 * being guessable is what matters, and that is what the estimate still sees.
 */
const ESTIMATED_LENGTH = 64;

let estimator: ZxcvbnFactory | undefined;
/**
 * Built on first use, modules included: the dictionaries (common passwords, names, words) are a few MB that a
 * server without people signing up never needs, and loading the packages alone held ~2.5 MB of every process's heap.
 */
const zxcvbn = () => {
  if (estimator) return estimator;
  const { ZxcvbnFactory } = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
  const common = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  return (estimator = new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs, maxLength: ESTIMATED_LENGTH }));
};

/**
 * Refuses (BAD_USER_INPUT on `password`) a password shorter than 12 or longer than 256 characters, or one the
 * zxcvbn-ts estimator finds on its common-password lists or otherwise guessable (score below 3). The member's
 * email is given to the estimator too, so a password made of it counts as guessable.
 */
export function assertPasswordAcceptable(password: string, email: string): void {
  const refuse = (message: string) => {
    throw badInput([{ field: 'password', message }]);
  };
  if (typeof password !== 'string') refuse('must be a string');
  if (password.length < PASSWORD_MIN) refuse(`must be at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) refuse(`must be at most ${PASSWORD_MAX} characters`);
  const result = zxcvbn().check(password, [email, ...email.split(/[@.+_-]/).filter((p) => p.length > 2)]);
  if (result.score < MIN_SCORE) refuse(`is too easy to guess${result.feedback.warning ? ` (${result.feedback.warning})` : ''}; add words or characters`);
}
