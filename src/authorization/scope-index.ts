import {
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  isIntrospectionType,
} from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import { isScope, SCOPES, type Scope } from './scopes';

export class SchemaAuthError extends Error {}

/**
 * What every field of a schema requires, computed once when the schema is built. Building it is also where the
 * schema's authorization rules are enforced (default deny), so a mistake fails the build, not a request:
 * unknown scope strings, auth directives on interfaces (GraphQL has no directive inheritance), and root fields
 * with neither `@requiresScope`, `@requiresAnyScope` nor `@authenticated`.
 */
export class ScopeIndex {
  private readonly typeScopes = new Map<string, Scope[]>();
  private readonly fieldScopes = new Map<string, readonly Scope[]>();
  private readonly guardedScopes = new Map<string, readonly Scope[]>();
  private readonly anyScopes = new Map<string, readonly Scope[]>();
  readonly rootTypes: ReadonlySet<string>;

  constructor(private readonly schema: GraphQLSchema) {
    this.rootTypes = new Set(
      [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((t) => !!t).map((t) => t!.name),
    );
    const errors: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type)) continue;
      if (isInterfaceType(type)) {
        if (this.scopesOn(type, type.name, errors).length || hasAuthenticated(schema, type))
          errors.push(`interface ${type.name}: authorization directives are not allowed on interfaces`);
        for (const field of Object.values(type.getFields()))
          if (this.scopesOn(field, `${type.name}.${field.name}`, errors).length || this.anyScopesOn(field, `${type.name}.${field.name}`, errors).length || hasAuthenticated(schema, field))
            errors.push(`interface field ${type.name}.${field.name}: authorization directives are not allowed on interfaces`);
      } else if (isObjectType(type)) {
        this.typeScopes.set(type.name, this.scopesOn(type, type.name, errors));
      } else if (this.scopesOn(type, type.name, errors).length) {
        errors.push(`${type.name}: @requiresScope is only allowed on object types and fields`);
      }
    }
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || isIntrospectionType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        const where = `${type.name}.${field.name}`;
        const own = this.scopesOn(field, where, errors);
        const any = this.anyScopesOn(field, where, errors);
        if (this.rootTypes.has(type.name) && own.length === 0 && any.length === 0 && !hasAuthenticated(schema, field))
          errors.push(`${where}: root fields need @requiresScope, @requiresAnyScope or @authenticated (default deny)`);
        if (any.length) this.anyScopes.set(where, any);
        this.fieldScopes.set(where, this.compose(type.name, field, own, true));
        this.guardedScopes.set(where, this.compose(type.name, field, own, false));
      }
    }
    if (errors.length) throw new SchemaAuthError(`Schema authorization errors:\n  ${errors.join('\n  ')}`);
  }

  /** Scopes needed to resolve `type.field`: the field's own, its parent type's, and every type it can return. */
  scopesFor(typeName: string, fieldName: string): readonly Scope[] {
    return this.fieldScopes.get(`${typeName}.${fieldName}`) ?? [];
  }

  /**
   * What a resolver of `type.field` checks when it runs: scopesFor without the types an interface or union it
   * returns may resolve to. Those are checked on each object the field answers (scope-guard.ts, checkObjects):
   * the one check that also holds below a `@requiresAnyScope` field.
   */
  guardScopesFor(typeName: string, fieldName: string): readonly Scope[] {
    return this.guardedScopes.get(`${typeName}.${fieldName}`) ?? [];
  }

  /** The scopes of `@requiresAnyScope` on `type.field` (one of them is enough); empty without it. */
  anyScopesFor(typeName: string, fieldName: string): readonly Scope[] {
    return this.anyScopes.get(`${typeName}.${fieldName}`) ?? [];
  }

  /** The scopes an object type's own `@requiresScope` directives name (in the constant order). */
  typeScopesOf(typeName: string): readonly Scope[] {
    const own = this.typeScopes.get(typeName) ?? [];
    return SCOPES.filter((s) => own.includes(s));
  }

  private compose(parent: string, field: GraphQLField<unknown, unknown>, own: Scope[], abstractTargets: boolean): readonly Scope[] {
    const all = new Set<Scope>([...own, ...(this.typeScopes.get(parent) ?? [])]);
    const returned = getNamedType(field.type);
    const targets: readonly GraphQLNamedType[] = isAbstractType(returned) ? (abstractTargets ? this.schema.getPossibleTypes(returned) : []) : [returned];
    for (const t of targets) for (const s of this.typeScopes.get(t.name) ?? []) all.add(s);
    return SCOPES.filter((s) => all.has(s));
  }

  private anyScopesOn(node: Parameters<typeof getDirective>[1], where: string, errors: string[]): Scope[] {
    const found: Scope[] = [];
    for (const { scopes } of getDirective(this.schema, node, 'requiresAnyScope') ?? [])
      for (const scope of scopes as string[]) {
        if (isScope(scope)) found.push(scope);
        else errors.push(`${where}: unknown scope ${JSON.stringify(scope)} (known: ${SCOPES.join(', ')})`);
      }
    return SCOPES.filter((s) => found.includes(s));
  }

  private scopesOn(node: Parameters<typeof getDirective>[1], where: string, errors: string[]): Scope[] {
    const found: Scope[] = [];
    for (const { scope } of getDirective(this.schema, node, 'requiresScope') ?? []) {
      if (isScope(scope)) found.push(scope);
      else errors.push(`${where}: unknown scope ${JSON.stringify(scope)} (known: ${SCOPES.join(', ')})`);
    }
    return found;
  }
}

function hasAuthenticated(schema: GraphQLSchema, node: Parameters<typeof getDirective>[1]): boolean {
  return (getDirective(schema, node, 'authenticated') ?? []).length > 0;
}
