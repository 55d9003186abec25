import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ParseOptions, type ValidationRule } from 'graphql';
import { tokenLimitAsLimitError } from '../limits.js';

/** Distinct operation texts kept; past it the cache starts over (operations are few, subscribers many). */
const MAX_ENTRIES = 1000;

export type ValidatedDocument = { document: DocumentNode } | { errors: readonly GraphQLError[] };

/**
 * Parses and validates operation texts against one schema, once per text: ten thousand
 * subscribers sending the same subscription cost one parse and one validation, as Apollo's
 * document store does for HTTP. A new schema starts a new cache.
 */
export class ValidatedDocuments {
  private schema: GraphQLSchema | undefined;
  private readonly entries = new Map<string, ValidatedDocument>();

  constructor(
    private readonly rules: readonly ValidationRule[],
    private readonly parseOptions: ParseOptions,
  ) {}

  get(schema: GraphQLSchema, query: string): ValidatedDocument {
    if (schema !== this.schema) {
      this.schema = schema;
      this.entries.clear();
    }
    let entry = this.entries.get(query);
    if (!entry) {
      entry = this.check(schema, query);
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(query, entry);
    }
    return entry;
  }

  private check(schema: GraphQLSchema, query: string): ValidatedDocument {
    let document: DocumentNode;
    try {
      document = parse(query, this.parseOptions);
    } catch (err) {
      return { errors: [tokenLimitAsLimitError(new GraphQLError((err as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }))] };
    }
    const errors = validate(schema, document, [...specifiedRules, ...this.rules]);
    if (errors.length > 0) {
      // The same codes Apollo gives these on HTTP; a limit rule's own code (OPERATION_LIMIT_EXCEEDED) wins.
      return { errors: errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...e.extensions } })) };
    }
    return { document };
  }
}
