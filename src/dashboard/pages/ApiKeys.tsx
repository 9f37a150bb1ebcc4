import { useCallback, useEffect, useState } from 'react';
import { ApiKeysDocument, RevokeApiKeyDocument, type ApiKeysQuery } from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { holds } from '../scopes';
import { dateTime, expiresSoon, expiryText } from '../format';
import { CreateKeyDialog } from '../components/CreateKeyDialog';
import { ErrorNote } from '../components/ErrorNote';
import { lacks, ScopedButton } from '../components/ScopedButton';
import { ConfirmAction } from '../components/ConfirmAction';

type Key = ApiKeysQuery['apiKeys']['nodes'][number];

/** How each kind of creator reads in the "Created by" column. */
const CREATOR_KIND: Record<Key['createdBy']['type'], string> = { MEMBER: 'member', API_KEY: 'API key', SYSTEM: 'system' };

/** Keys per page; more come with "Load more". */
const PAGE = 50;

/** Settings › API Keys: the organization's keys, newest first; create, and revoke with a confirmation. */
export function ApiKeys({ s }: { s: Session }) {
  const [keys, setKeys] = useState<Key[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const { error, call } = useApi(s);
  const [hideRevoked, setHideRevoked] = useState(false);
  const [creating, setCreating] = useState(false);
  const canWrite = holds(s.perms, 'organization:write');

  const load = useCallback(async () => {
    const data = await call(() => gql(ApiKeysDocument, { first: PAGE }));
    if (data) {
      setKeys(data.apiKeys.nodes);
      setNext(data.apiKeys.pageInfo.hasNextPage ? data.apiKeys.pageInfo.endCursor : null);
    }
  }, [s, call]);
  const loadMore = async () => {
    const data = await call(() => gql(ApiKeysDocument, { first: PAGE, after: next }));
    if (data) {
      setKeys((before) => [...(before ?? []), ...data.apiKeys.nodes]);
      setNext(data.apiKeys.pageInfo.hasNextPage ? data.apiKeys.pageInfo.endCursor : null);
    }
  };
  useEffect(() => void load(), [load]);

  const shown = (keys ?? []).filter((k) => !(hideRevoked && k.status === 'REVOKED'));

  return (
    <section aria-labelledby="keys-title">
      <div className="section-head">
        <h1 id="keys-title">API Keys</h1>
        <label className="toggle">
          <input type="checkbox" checked={hideRevoked} onChange={(e) => setHideRevoked(e.target.checked)} /> Hide revoked keys
        </label>
        <ScopedButton held={s.perms} scope="organization:write" onClick={() => setCreating(true)} aria-describedby={canWrite ? undefined : 'create-why'}>
          Create API Key
        </ScopedButton>
        {!canWrite && (
          <span id="create-why" className="hint">
            {lacks('organization:write')}
          </span>
        )}
      </div>
      <ErrorNote error={error} />
      {keys && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">API keys, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Permissions</th>
                <th scope="col">Created</th>
                <th scope="col">Created by</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((k) => {
                const soon = k.status === 'ACTIVE' && expiresSoon(k.expiresAt);
                return (
                  <tr key={k.id} data-key-id={k.id} className={k.status.toLowerCase()}>
                    <td>
                      {k.name}
                    </td>
                    <td>
                      <code>{k.prefix}</code>
                    </td>
                    <td>{k.permissions.join(', ')}</td>
                    <td>{dateTime(k.createdAt)}</td>
                    <td className="created-by">
                      {k.createdBy.name} <span className="hint">({CREATOR_KIND[k.createdBy.type]})</span>
                      {k.creatorRemoved && (
                        <span className="badge warn" title="The member who created this key was removed: review it, and revoke or roll it">
                          creator removed
                        </span>
                      )}
                    </td>
                    <td>{k.lastUsedAt ? dateTime(k.lastUsedAt) : 'never'}</td>
                    <td className={soon ? 'warn' : undefined}>
                      {k.expiresAt ? `${dateTime(k.expiresAt)} (${k.status === 'ACTIVE' ? expiryText(k.expiresAt).replace('expires ', '') : 'expired'})` : 'never'}
                    </td>
                    <td>
                      <span className={`status ${k.status.toLowerCase()}`}>{k.status.toLowerCase()}</span>
                    </td>
                    <td>
                      {k.status === 'ACTIVE' && (
                        <ConfirmAction
                          s={s}
                          held={s.perms}
                          scope="organization:write"
                          danger
                          label="Revoke"
                          ariaLabel={`Revoke ${k.name}`}
                          title={`Revoke “${k.name}”?`}
                          action="Revoke key"
                          onConfirm={() => gql(RevokeApiKeyDocument, { id: k.id })}
                          onDone={load}
                        >
                          <p>
                            Requests made with <code>{k.prefix}</code> will fail with 401 at once. This cannot be undone.
                          </p>
                        </ConfirmAction>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {shown.length === 0 && <p className="hint">No keys to show.</p>}
          {next && (
            <button type="button" onClick={() => void loadMore()}>
              Load more keys
            </button>
          )}
        </div>
      )}
      {creating && <CreateKeyDialog s={s} onClose={() => setCreating(false)} onCreated={() => void load()} />}
    </section>
  );
}
