import type { KyselyPlugin, PluginTransformQueryArgs, RootOperationNode } from 'kysely';

/**
 * Counts the statements a Kysely instance runs, by kind and first table named, e.g.
 * `InsertQueryNode notification_attempts` (Kysely's public plugin interface: `db.withPlugin`).
 */
export class StatementCount implements KyselyPlugin {
  readonly counts = new Map<string, number>();

  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    const key = `${node.kind} ${tableOf(node) ?? '?'}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return node;
  }

  transformResult<R>(args: { result: R }): Promise<R> {
    return Promise.resolve(args.result);
  }

  /** Statements of `kind` (e.g. `InsertQueryNode`) naming `table` first. */
  of(kind: string, table: string): number {
    return this.counts.get(`${kind} ${table}`) ?? 0;
  }

  /** Every statement counted. */
  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  reset(): void {
    this.counts.clear();
  }
}

interface Named {
  kind?: string;
  table?: Named;
  node?: Named;
  identifier?: { name?: string };
}

/** The first table a statement names (its INSERT's into, UPDATE's table, SELECT's or DELETE's from). */
function tableOf(node: RootOperationNode): string | undefined {
  const n = node as unknown as { into?: Named; table?: Named; from?: { froms?: Named[] } };
  let t: Named | undefined = n.into ?? n.table ?? n.from?.froms?.[0];
  if (t?.kind === 'AliasNode') t = t.node;
  return t?.table?.identifier?.name;
}
