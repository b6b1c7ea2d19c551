// The dashboard's routes (the product documentation's links): path plus ?section=/&request=.
export type RouteName =
  | "my-requests"
  | "my-tickets"
  | "my-reviews"
  | "request"
  | "my-access"
  | "settings"
  | "notifications"
  | "admin-new-request"
  | "admin-tickets"
  | "admin-requests"
  | "admin-audit"
  | "admin-systems"
  | "admin-access"
  | "admin-reviews"
  | "admin-settings"
  | "not-found";

export interface Route {
  name: RouteName;
  admin: boolean;
  params: URLSearchParams;
}

const PATHS: Record<string, RouteName> = {
  "/request": "request",
  "/access": "my-access",
  "/settings": "settings",
  "/notifications": "notifications",
  "/admin/requests/new": "admin-new-request",
  "/admin/tickets": "admin-tickets",
  "/admin/requests": "admin-requests",
  "/admin/audit": "admin-audit",
  "/admin/systems": "admin-systems",
  "/admin/access": "admin-access",
  "/admin/reviews": "admin-reviews",
  "/admin/settings": "admin-settings",
};

/** The sections of `/` (`?section=`); none or an unknown one is "my-requests". */
const SECTIONS: Record<string, RouteName> = {
  tickets: "my-tickets",
  reviews: "my-reviews",
};

export function parseRoute(pathname: string, search: string): Route {
  // Read once per navigation and replaced whole, never mutated: no reactive wrapper needed.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const params = new URLSearchParams(search);
  const path = pathname.replace(/\/+$/, "") || "/";
  const name: RouteName =
    path === "/" ? (SECTIONS[params.get("section") ?? ""] ?? "my-requests") : (PATHS[path] ?? "not-found");
  return { name, admin: path.startsWith("/admin/"), params };
}

class Router {
  route = $state<Route>(parseRoute(location.pathname, location.search));

  constructor() {
    addEventListener("popstate", () => this.sync());
  }

  navigate(href: string): void {
    history.pushState(null, "", href);
    this.sync();
    scrollTo(0, 0);
  }

  private sync(): void {
    this.route = parseRoute(location.pathname, location.search);
  }
}

export const router = new Router();

/** Click handler for internal links: navigate without reloading (modifier keys keep the browser's behaviour). */
export function link(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  router.navigate(anchor.getAttribute("href") ?? "/");
}
