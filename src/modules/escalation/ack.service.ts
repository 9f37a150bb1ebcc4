import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors';
import type { AlertService } from '../alerts/alert.service';
import type { AckLinks } from './ack-link';

/** What a link can do now, or why it cannot. */
export type AckState =
  | { state: 'ready'; checkName: string; cause: string; channelName: string }
  | { state: 'acknowledged'; by: string }
  | { state: 'not-valid' | 'expired' | 'used' | 'resolved' | 'other-alert' | 'already-acknowledged'; by?: string };

interface AlertInfo {
  organization_id: string;
  source_name: string;
  cause: string;
  status: string;
  acknowledged_by_name: string | null;
}

/**
 * One-click acknowledge from a notification (`/alerts/ack?token=…`): looking (GET) changes nothing; using (POST)
 * spends the link and acknowledges the alert as "acknowledged via link from <channel name>", in one transaction.
 */
export class AckService {
  constructor(
    private readonly links: AckLinks,
    private readonly alerts: AlertService,
  ) {}

  /** What the link would do; `alertId`, when the request names one, must be the token's. */
  async inspect(em: EntityManager, token: string, alertId?: string): Promise<AckState> {
    const checked = this.links.check(token);
    if (!checked.ok) return { state: checked.reason === 'expired' ? 'expired' : 'not-valid' };
    const { claim } = checked;
    if (alertId !== undefined && alertId !== claim.alertId) return { state: 'other-alert' };
    const alert = await this.alert(em, claim.alertId);
    if (!alert) return { state: 'not-valid' };
    const [used] = await em.execute<{ nonce: string }[]>(`select nonce from ack_link_uses where nonce = ?`, [claim.nonce]);
    if (used) return { state: 'used' };
    if (alert.status === 'RESOLVED') return { state: 'resolved' };
    if (alert.status === 'ACKNOWLEDGED') return { state: 'already-acknowledged', by: alert.acknowledged_by_name ?? '' };
    return { state: 'ready', checkName: alert.source_name, cause: alert.cause, channelName: await this.channelName(em, claim.channelId, alert.organization_id) };
  }

  async use(em: EntityManager, token: string, ip: string | null, alertId?: string): Promise<AckState> {
    const checked = this.links.check(token);
    if (!checked.ok) return { state: checked.reason === 'expired' ? 'expired' : 'not-valid' };
    const { claim } = checked;
    if (alertId !== undefined && alertId !== claim.alertId) return { state: 'other-alert' };
    try {
      return await em.transactional(async (tx) => {
        const alert = await this.alert(tx, claim.alertId);
        if (!alert) return { state: 'not-valid' } as const;
        const spent = await tx.execute<{ nonce: string }[]>(
          `insert into ack_link_uses (nonce, alert_id, used_at) values (?, ?, now()) on conflict (nonce) do nothing returning nonce`,
          [claim.nonce, claim.alertId],
        );
        if (!spent.length) return { state: 'used' } as const;
        const name = `acknowledged via link from ${await this.channelName(tx, claim.channelId, alert.organization_id)}`;
        const done = await this.alerts.acknowledgeIn(tx, { keyId: 'link', organizationId: alert.organization_id, name, ip }, claim.alertId);
        return done.changed ? ({ state: 'acknowledged', by: name } as const) : ({ state: 'already-acknowledged', by: done.alert.acknowledgedByName ?? '' } as const);
      });
    } catch (e) {
      // Resolved meanwhile: nothing is written (the link is not spent either).
      if (e instanceof AppError && e.code === 'CONFLICT') return { state: 'resolved' };
      throw e;
    }
  }

  private async alert(em: EntityManager, id: string): Promise<AlertInfo | undefined> {
    const [row] = await em.execute<AlertInfo[]>(`select organization_id, source_name, cause, status, acknowledged_by_name from alerts where id = ?`, [id]);
    return row;
  }

  private async channelName(em: EntityManager, channelId: string, organizationId: string): Promise<string> {
    const [row] = await em.execute<{ name: string }[]>(`select name from notification_channels where id = ? and organization_id = ?`, [channelId, organizationId]);
    return row?.name ?? 'a deleted channel';
  }
}
