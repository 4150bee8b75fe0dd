// The Notifications page (docs/notifications.md): the token's rules, a form that makes one (from
// the list's filters with "Notify me about these"), its `whsec_` secret shown once, a test
// delivery, deleting, and each rule's delivery log with its attempts and a Redeliver button.
import { useEffect, useState } from 'preact/hooks';
import { useCanNotify } from './access.tsx';
import {
  CREATE_MUTATION,
  DELETE_MUTATION,
  DELIVERIES_QUERY,
  REDELIVER_MUTATION,
  RULES_QUERY,
  type RulesPage,
  TARGET_KINDS,
  TEST_MUTATION,
  TRIGGERS,
  UPDATE_MUTATION,
  ask,
  createAsked,
  filterWords,
  ruleFilterOf,
  toggledInput,
  type DeliveryShown,
  type RuleFilter,
  type RuleShown,
} from './notificationData.ts';
import { jobPath } from './api.ts';
import { utc } from './format.ts';
import { GroupingWords, QuietFields, RuleFlags, RuleState } from './ruleQuiet.tsx';
import { quietInput } from './ruleQuietData.ts';

interface PageProps {
  token: string;
  onRefused: (message: string) => void;
}

/** The page: a line saying why when the token lacks `notifications:write`, else the rules. */
export function NotificationsPage({ token, onRefused }: PageProps) {
  const canNotify = useCanNotify(token);
  if (canNotify === null) return <p class="muted">Asking what this token may do…</p>;
  if (!canNotify)
    return (
      <section aria-labelledby="notify-title">
        <h2 id="notify-title">Notifications</h2>
        <p class="banner info" data-notify-denied>
          This token cannot see or make notification rules: that needs the{' '}
          <code>notifications:write</code> scope (docs/notifications.md). Ask for a token with it.
        </p>
      </section>
    );
  return <Rules token={token} onRefused={onRefused} />;
}

/** The rules the token sees, the create form, and the secret of the rule just made. */
function Rules({ token, onRefused }: PageProps) {
  const [rules, setRules] = useState<RuleShown[] | null>(null);
  const [error, setError] = useState('');
  const [creating, setCreating] = useState(() => createAsked(location.search));
  const [made, setMade] = useState<{ rule: RuleShown; secret: string | null } | null>(null);
  const [more, setMore] = useState<{ after: string; total: number } | null>(null);
  /** The first page (`after` null), or the page after `after` appended to those shown. */
  const load = (after: string | null = null) =>
    ask<RulesPage>(RULES_QUERY, { after }, token, onRefused).then(
      (d) => {
        const page = d.notificationRules;
        setRules((shown) => (after === null ? page.nodes : [...(shown ?? []), ...page.nodes]));
        const { hasNextPage, endCursor } = page.pageInfo;
        setMore(hasNextPage && endCursor ? { after: endCursor, total: page.totalCount } : null);
        setError('');
      },
      (e: unknown) => setError((e as Error).message),
    );
  useEffect(() => void load(), [token]);
  return (
    <section aria-labelledby="notify-title">
      <h2 id="notify-title">Notifications</h2>
      <p class="muted">
        A rule tells a webhook, Slack or Teams when a job it matches fails, finishes, starts or is
        stuck, once a provider read confirmed it.
      </p>
      {error ? (
        <p class="banner error" role="alert">
          {error}
        </p>
      ) : null}
      {made ? <SecretOnce made={made} onDone={() => setMade(null)} /> : null}
      {creating ? (
        <CreateRule
          token={token}
          onRefused={onRefused}
          filter={ruleFilterOf(location.search)}
          onCancel={() => setCreating(false)}
          onCreated={(created) => {
            setMade(created);
            setCreating(false);
            void load();
          }}
        />
      ) : (
        <button type="button" data-new-rule onClick={() => setCreating(true)}>
          New rule
        </button>
      )}
      {rules === null ? (
        <p class="muted">Loading the rules…</p>
      ) : (
        <RuleTable rules={rules} token={token} onRefused={onRefused} reload={() => load()} />
      )}
      {rules !== null && more ? (
        <button type="button" data-more-rules onClick={() => void load(more.after)}>
          Show more ({rules.length} of {more.total})
        </button>
      ) : null}
    </section>
  );
}

/** The signing secret of a rule just made: shown this once, with a copy button. */
function SecretOnce({
  made,
  onDone,
}: {
  made: { rule: RuleShown; secret: string | null };
  onDone: () => void;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="banner warn" data-rule-created={made.rule.id}>
      <p>
        <strong>Rule “{made.rule.name}” made.</strong>{' '}
        {made.secret
          ? 'Its signing secret is shown this once: keep it where your receiver verifies deliveries.'
          : 'Slack and Teams targets are not signed: the URL itself is the credential.'}
      </p>
      {made.secret ? (
        <p>
          <code data-rule-secret>{made.secret}</code>{' '}
          <button
            type="button"
            onClick={() =>
              void navigator.clipboard.writeText(made.secret ?? '').then(() => setCopied(true))
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </p>
      ) : null}
      <button type="button" class="link" onClick={onDone}>
        I have kept it
      </button>
    </div>
  );
}

interface CreateProps extends PageProps {
  filter: RuleFilter;
  onCancel: () => void;
  onCreated: (made: { rule: RuleShown; secret: string | null }) => void;
}

/**
 * The form that makes a rule: name, triggers, target kind and URL, a chat rule's group window and
 * a mute, over `filter`.
 */
/** The rule's target kind (webhook, Slack, …): its quiet fields follow it. */
function KindSelect({ kind, setKind }: { kind: string; setKind: (kind: string) => void }) {
  return (
    <select
      id="rule-kind"
      name="kind"
      value={kind}
      onChange={(e) => setKind(e.currentTarget.value)}
    >
      {TARGET_KINDS.map(([value, words]) => (
        <option key={value} value={value}>
          {words}
        </option>
      ))}
    </select>
  );
}

function CreateRule({ token, onRefused, filter, onCancel, onCreated }: CreateProps) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [kind, setKind] = useState(TARGET_KINDS[0]![0]);
  const submit = (form: HTMLFormElement) => {
    const data = new FormData(form);
    const field = (name: string) => {
      const value = data.get(name);
      return typeof value === 'string' ? value : '';
    };
    const quiet = quietInput(field('kind'), field('groupWindowSeconds'), field('mutedUntil'));
    if (!quiet.ok) return setError(quiet.problem);
    const input = {
      name: field('name'),
      filter,
      on: data.getAll('on').map(String),
      target: { kind: field('kind'), url: field('url') },
      enabled: data.get('enabled') === 'on',
      ...quiet.input,
    };
    if (!input.on.length) return setError('Choose at least one transition to fire on.');
    setBusy(true);
    type Created = { createNotificationRule: { rule: RuleShown; secret: string | null } };
    ask<Created>(CREATE_MUTATION, { input }, token, onRefused).then(
      (d) => onCreated(d.createNotificationRule),
      (e: unknown) => {
        setBusy(false);
        setError((e as Error).message);
      },
    );
  };
  return (
    <form
      class="filters notify-form"
      aria-labelledby="new-rule-title"
      data-rule-form
      onSubmit={(e) => {
        e.preventDefault();
        submit(e.currentTarget);
      }}
    >
      <h3 id="new-rule-title">New rule</h3>
      <p data-rule-filter={JSON.stringify(filter)}>Jobs: {filterWords(filter)}</p>
      <label for="rule-name">Name</label>
      <input id="rule-name" name="name" required maxLength={200} />
      <fieldset>
        <legend>Fires on</legend>
        {TRIGGERS.map(([value, words]) => (
          <label key={value}>
            <input type="checkbox" name="on" value={value} defaultChecked={value === 'FAILED'} />{' '}
            {words}
          </label>
        ))}
      </fieldset>
      <label for="rule-kind">Target</label>
      <KindSelect kind={kind} setKind={setKind} />
      <label for="rule-url">URL</label>
      <input id="rule-url" name="url" type="url" required autoComplete="off" />
      <QuietFields kind={kind} />
      <label>
        <input type="checkbox" name="enabled" defaultChecked /> Enabled
      </label>
      {error ? (
        <p class="banner error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" disabled={busy}>
          Make the rule
        </button>
        <button type="button" class="link" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

interface TableProps extends PageProps {
  rules: RuleShown[];
  reload: () => Promise<void>;
}

/** The rules, one row each, with their actions; a rule's delivery log opens below its row. */
function RuleTable({ rules, token, onRefused, reload }: TableProps) {
  if (!rules.length) return <p data-no-rules>No rule yet.</p>;
  return (
    <table class="jobs notify-rules">
      <caption>Rules</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Fires on</th>
          <th scope="col">Target</th>
          <th scope="col">State</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {rules.map((rule) => (
          <RuleRow key={rule.id} rule={rule} token={token} onRefused={onRefused} reload={reload} />
        ))}
      </tbody>
    </table>
  );
}

/** One rule: its facts, Send test, Delete, and its delivery log when shown. */
function RuleRow({
  rule,
  token,
  onRefused,
  reload,
}: PageProps & { rule: RuleShown; reload: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [told, setTold] = useState('');
  const [version, setVersion] = useState(0);
  const act = (query: string, done: (data: unknown) => string) =>
    ask<unknown>(query, { id: rule.id }, token, onRefused).then(
      (d) => {
        setTold(done(d));
        setVersion((v) => v + 1);
      },
      (e: unknown) => setTold((e as Error).message),
    );
  const test = () =>
    act(TEST_MUTATION, (d) => {
      const delivery = (d as { testNotificationRule: DeliveryShown }).testNotificationRule;
      setOpen(true);
      return `Test delivery ${delivery.id}: ${delivery.status}.`;
    });
  const toggle = () =>
    ask<unknown>(
      UPDATE_MUTATION,
      { id: rule.id, input: toggledInput(rule, !rule.enabled) },
      token,
      onRefused,
    ).then(reload, (e: unknown) => setTold((e as Error).message));
  const remove = () => {
    if (!confirm(`Delete the rule “${rule.name}” and its delivery log?`)) return;
    void act(DELETE_MUTATION, () => 'Deleted.').then(reload);
  };
  return (
    <>
      <tr data-rule-id={rule.id} data-rule-enabled={String(rule.enabled)}>
        <th scope="row">{rule.name}</th>
        <td>{rule.on.join(', ')}</td>
        <td>
          {rule.target.kind} <code>{rule.target.url}</code>
          <GroupingWords rule={rule} />
        </td>
        <td data-rule-state>
          <RuleState rule={rule} />
          <RuleFlags rule={rule} nowMs={Date.now()} />
        </td>
        <td>
          <button type="button" data-send-test onClick={() => void test()}>
            Send test
          </button>{' '}
          <button type="button" class="link" data-show-log onClick={() => setOpen(!open)}>
            {open ? 'Hide deliveries' : 'Deliveries'}
          </button>{' '}
          <button type="button" data-toggle-rule onClick={() => void toggle()}>
            {rule.enabled ? 'Disable' : 'Enable'}
          </button>{' '}
          <button type="button" class="danger" data-delete-rule onClick={remove}>
            Delete
          </button>
          {told ? <p data-rule-told>{told}</p> : null}
        </td>
      </tr>
      {open ? (
        <tr>
          <td colSpan={5}>
            <DeliveryLog ruleId={rule.id} token={token} onRefused={onRefused} version={version} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** A rule's deliveries, newest first, each with its attempts and a Redeliver button. */
function DeliveryLog({
  ruleId,
  token,
  onRefused,
  version,
}: PageProps & { ruleId: string; version: number }) {
  const [deliveries, setDeliveries] = useState<DeliveryShown[] | null>(null);
  const [error, setError] = useState('');
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    type Answer = { notificationRule: { deliveries: { nodes: DeliveryShown[] } } | null };
    ask<Answer>(DELIVERIES_QUERY, { id: ruleId }, token, onRefused).then(
      (d) => setDeliveries(d.notificationRule?.deliveries.nodes ?? []),
      (e: unknown) => setError((e as Error).message),
    );
  }, [ruleId, token, version, asked]);
  const redeliver = (id: string) =>
    ask<unknown>(REDELIVER_MUTATION, { id }, token, onRefused).then(
      () => setAsked((n) => n + 1),
      (e: unknown) => setError((e as Error).message),
    );
  if (error) return <p class="banner error">{error}</p>;
  if (!deliveries) return <p class="muted">Loading the deliveries…</p>;
  if (!deliveries.length) return <p data-delivery-log="empty">No delivery yet.</p>;
  return (
    <ol class="delivery-log" data-delivery-log={ruleId}>
      {deliveries.map((d) => (
        <li key={d.id} data-delivery-id={d.id} data-delivery-status={d.status}>
          <strong>{d.type}</strong> {d.status} · made {utc(d.createdAt)}
          {d.jobId ? (
            <>
              {' '}
              · job <a href={jobPath(d.jobId)}>{d.jobId}</a>
            </>
          ) : null}{' '}
          <code>{d.id}</code>{' '}
          <button type="button" class="link" data-redeliver onClick={() => void redeliver(d.id)}>
            Redeliver
          </button>
          <Attempts attempts={d.attempts} />
        </li>
      ))}
    </ol>
  );
}

/** A delivery's attempts: time, status code, error, duration. */
function Attempts({ attempts }: { attempts: DeliveryShown['attempts'] }) {
  if (!attempts.length) return <p class="muted">Not attempted yet.</p>;
  return (
    <table class="attempts">
      <thead>
        <tr>
          <th scope="col">At</th>
          <th scope="col">Status</th>
          <th scope="col">Error</th>
          <th scope="col">Took</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a, i) => (
          <tr key={i} data-attempt>
            <td>
              <time dateTime={a.at}>{utc(a.at)}</time>
            </td>
            <td data-attempt-status>{a.statusCode ?? '—'}</td>
            <td>{a.error ?? ''}</td>
            <td>{a.durationMs} ms</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
