import {
  GraphQLError,
  parse,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';

/** A document graphql-ws can find an operation in; what it "executes" is Apollo's answer, never this. */
const ANSWERED = parse('query Answered { __typename }');

/**
 * Operations other than subscriptions over graphql-ws, answered by Apollo Server's pipeline (as
 * over HTTP) and handed to graphql-ws so that its protocol stays its own: an answer with `data` is
 * a `next` then `complete`, a request refused before execution (parse, validation, limits, budget)
 * an `error` message. graphql-ws runs whatever `onSubscribe` returns through its `execute` option;
 * the arguments returned here make `execute` give back the answer, and `onNext`/`onError` pass
 * Apollo's already formatted results through untouched.
 */
export class AnsweredOperations {
  private readonly results = new WeakMap<object, FormattedExecutionResult>();
  private readonly refusals = new WeakMap<readonly GraphQLError[], GraphQLFormattedError[]>();

  constructor(private readonly schema: GraphQLSchema) {}

  /** What `onSubscribe` returns for an operation Apollo has answered. */
  handOver(answer: FormattedExecutionResult): ExecutionArgs | GraphQLError[] {
    if (!('data' in answer) && answer.errors?.length) {
      // graphql-ws needs GraphQLErrors here; `errors` below swaps Apollo's formatted ones back in.
      const stand = answer.errors.map((e) => new GraphQLError(e.message));
      this.refusals.set(stand, [...answer.errors]);
      return stand;
    }
    const args: ExecutionArgs = { schema: this.schema, document: ANSWERED };
    this.results.set(args, answer);
    return args;
  }

  /** What `onSubscribe` returns when answering failed by jobgraph's fault: formatted (and logged) as INTERNAL_SERVER_ERROR. */
  failed(err: unknown): GraphQLError[] {
    return [
      new GraphQLError('Internal server error', {
        originalError: err instanceof Error ? err : new Error(String(err)),
      }),
    ];
  }

  /** graphql-ws's `execute`: only operations handed over here are executed by graphql-ws. */
  readonly execute = (args: ExecutionArgs): ExecutionResult => {
    const answer = this.results.get(args);
    if (!answer) throw new Error('an operation reached graphql-ws execute without an answer');
    return answer as ExecutionResult;
  };

  /** Apollo's answer as it goes out, when `args` is one handed over; undefined otherwise. */
  next(args: ExecutionArgs): FormattedExecutionResult | undefined {
    return this.results.get(args);
  }

  /** Apollo's formatted errors for a refusal handed over; undefined otherwise. */
  errors(errors: readonly GraphQLError[]): GraphQLFormattedError[] | undefined {
    return this.refusals.get(errors);
  }
}
