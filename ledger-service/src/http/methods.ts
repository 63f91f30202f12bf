import type { Express, RequestHandler } from 'express';
import { ProblemError } from './problem';

/** What this module reads of Express 5's router (router 2.x): its layers, each a route or a mounted router. */
interface Layer {
  readonly slash?: boolean;
  readonly route?: { readonly path: string; readonly methods: Readonly<Record<string, boolean>> };
  readonly handle: { readonly stack?: readonly Layer[] };
  match(path: string): unknown;
}

/** A route of the app: its path as registered (`/v1/events/:eventId`) and the methods it answers. */
export interface AppRoute {
  readonly path: string;
  readonly methods: readonly string[];
  matches(path: string): boolean;
}

const ANY_METHOD = '*';

function methodsOf(route: NonNullable<Layer['route']>): string[] {
  const methods = Object.keys(route.methods).map((method) => (method === '_all' ? ANY_METHOD : method.toUpperCase()));
  // Express answers HEAD with the GET route.
  return methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : methods;
}

function routesIn(stack: readonly Layer[]): AppRoute[] {
  return stack.flatMap((layer): AppRoute[] => {
    if (layer.route) {
      return [{ path: layer.route.path, methods: methodsOf(layer.route), matches: (path) => !!layer.match(path) }];
    }
    // Routers mounted at the root (app.use(router)). One mounted under a path (none is) would be
    // missing here, and openapi.test.ts would find its routes described but not served.
    return layer.slash && layer.handle.stack ? routesIn(layer.handle.stack) : [];
  });
}

/** Every route of the app, the mounted routers' included, in the order Express tries them. */
export function appRoutes(app: Express): AppRoute[] {
  return routesIn((app.router as unknown as { stack: readonly Layer[] }).stack);
}

/**
 * Whether a path may be one of `routes`: one regular expression when every path is plain segments
 * and `:parameters` (never a false no), else each route's own matcher.
 */
export function anyPathOf(routes: readonly AppRoute[]): (path: string) => boolean {
  if (routes.length === 0) return () => false;
  if (!routes.every((route) => /^(\/(:?[\w.-]+))+$/.test(route.path)))
    return (path) => routes.some((route) => route.matches(path));
  const alternatives = routes.map((route) => route.path.replace(/[.]/g, '\\.').replace(/:[\w]+/g, '[^/]+'));
  const pattern = new RegExp(`^(?:${alternatives.join('|')})/?$`, 'i');
  return (path) => pattern.test(path);
}

/**
 * Answers a path some route serves but not with the request's method: 405 with the `Allow` header
 * (code method-not-allowed), and OPTIONS with 204 and `Allow`. Other requests pass. It must come
 * before the routers: each would answer OPTIONS with its own methods only, and the pages' catch-alls
 * (/verify, /regulator) would answer any method with a 404 page. The routes are read on the first
 * request, when the app has all of them.
 */
export function allowedMethods(app: Express): RequestHandler {
  let routes: AppRoute[] | undefined;
  let mayRefuseGet: (path: string) => boolean = () => true;
  return (req, res, next) => {
    if (!routes) {
      routes = appRoutes(app);
      mayRefuseGet = anyPathOf(
        routes.filter((route) => !route.methods.includes('GET') && !route.methods.includes(ANY_METHOD)),
      );
    }
    // Lookups and pages, most of the traffic, pay one test for the few paths that answer no GET.
    if ((req.method === 'GET' || req.method === 'HEAD') && !mayRefuseGet(req.path)) {
      next();
      return;
    }
    const allowed = new Set<string>();
    for (const route of routes) {
      if (!route.matches(req.path)) continue;
      if (route.methods.includes(req.method) || route.methods.includes(ANY_METHOD)) {
        next();
        return;
      }
      for (const method of route.methods) allowed.add(method);
    }
    if (allowed.size === 0) {
      next();
      return;
    }
    const allow = [...allowed, 'OPTIONS'].sort().join(', ');
    res.setHeader('allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next(new ProblemError(405, 'method-not-allowed', `${req.method} is not allowed here; allowed: ${allow}`));
  };
}
