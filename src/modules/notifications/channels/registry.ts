import type { ChannelType } from '../notification-channel.entity';
import type { ChannelField, ChannelProvider } from './provider';
import { pagerduty } from './pagerduty';
import { opsgenie } from './opsgenie';
import { msteams } from './msteams';
import { discord } from './discord';
import { telegram } from './telegram';

/** The channel types that speak a provider's API: one file each. WEBHOOK, SLACK and EMAIL are sent by delivery.ts. */
export const CHANNEL_PROVIDERS: Partial<Record<ChannelType, ChannelProvider>> = Object.fromEntries(
  [pagerduty, opsgenie, msteams, discord, telegram].map((p) => [p.type, p]),
);

/** The fields each type must have and may have. */
export function fieldsOf(type: ChannelType): { required: ChannelField[]; optional: ChannelField[] } {
  if (type === 'EMAIL') return { required: ['email'], optional: [] };
  if (type === 'WEBHOOK' || type === 'SLACK') return { required: ['url'], optional: [] };
  const p = CHANNEL_PROVIDERS[type]!;
  return { required: p.required, optional: p.optional };
}
