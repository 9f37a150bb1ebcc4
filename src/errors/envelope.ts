import type { FastifyBaseLogger } from 'fastify';
import { AppError, MESSAGES } from './index';
import { describeFault, isDatabaseDown } from '../db/faults';

// Built once: what a client sees of a fault carries nothing of the fault itself.
const DATABASE_DOWN = new AppError('SERVICE_UNAVAILABLE', MESSAGES.SERVICE_UNAVAILABLE);
const INTERNAL = new AppError('INTERNAL_SERVER_ERROR', MESSAGES.INTERNAL_SERVER_ERROR);

/**
 * Anything thrown, as the client may see it: an AppError as it is; the database (or another dependency) down is
 * 503 whatever the request was; anything else is a bug, masked as 500. Never a stack, never the fault's text.
 */
export function envelopeOf(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return isDatabaseDown(error) ? DATABASE_DOWN : INTERNAL;
}

/**
 * Writes the operator's line for a fault (nothing for an AppError: that is an answer, not a fault), with the
 * request's id under Fastify's own label, so the id a client reports finds this line.
 */
export function reportFault(log: FastifyBaseLogger, error: unknown, requestId: string | undefined): void {
  if (error instanceof AppError) return;
  log.error({ reqId: requestId, err: describeFault(error) }, isDatabaseDown(error) ? 'database unavailable' : 'unexpected error');
}
