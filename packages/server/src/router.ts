/** A matched route: the handler, its pattern (the metrics label) and the path parameters. */
export type RouteMatch<H> =
  | { kind: 'found'; handler: H; pattern: string; params: Record<string, string> }
  | { kind: 'method_not_allowed'; pattern: string; allow: string[] }
  | { kind: 'not_found' };

interface Route<H> {
  method: string;
  pattern: string;
  segments: string[];
  handler: H;
}

/** Method + path routing with `:name` segments; HEAD is served by GET routes. */
export class Router<H> {
  private readonly routes: Array<Route<H>> = [];

  add(method: string, pattern: string, handler: H): this {
    this.routes.push({ method: method.toUpperCase(), pattern, segments: split(pattern), handler });
    return this;
  }

  match(method: string, pathname: string): RouteMatch<H> {
    const segments = split(pathname);
    const wanted = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
    let pathMatch: { pattern: string; allow: string[] } | undefined;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === wanted) return { kind: 'found', handler: route.handler, pattern: route.pattern, params };
      pathMatch ??= { pattern: route.pattern, allow: [] };
      if (route.pattern === pathMatch.pattern) pathMatch.allow.push(route.method);
    }
    return pathMatch ? { kind: 'method_not_allowed', ...pathMatch } : { kind: 'not_found' };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(pattern: readonly string[], path: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const actual = path[index] ?? '';
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (part !== actual) {
      return undefined;
    }
  }
  return params;
}
