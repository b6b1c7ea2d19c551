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
  | "admin-insights"
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
  "/admin/insights": "admin-insights",
};

/** Each page's own name in the tab's title (the app's name follows it). */
const TITLES: Record<RouteName, string> = {
  "my-requests": "My requests",
  "my-tickets": "My tickets",
  "my-reviews": "Reviews for me",
  request: "Request access",
  "my-access": "My access",
  settings: "Settings",
  notifications: "Notifications",
  "admin-new-request": "Request for someone",
  "admin-tickets": "All tickets",
  "admin-requests": "All requests",
  "admin-audit": "Audit",
  "admin-systems": "Systems",
  "admin-access": "Access",
  "admin-reviews": "Access reviews",
  "admin-settings": "Admin settings",
  "admin-insights": "Insights",
  "not-found": "Page not found",
};

export const APP_NAME = "Access requests";

/** The tab's title: "(2) My tickets · Access requests", the count being what waits on the person (0: none shown). */
export function pageTitle(route: Route, waiting: number, subject: string | null = null): string {
  // A request's page (`?request=`) is reached from several lists: it is named for what it shows,
  // its number once the page knows it ("REQ-12").
  const page = route.params.has("request") ? (subject ?? "Request") : TITLES[route.name];
  return `${waiting > 0 ? `(${waiting}) ` : ""}${page} · ${APP_NAME}`;
}

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
  /** What the page shows, for its title, when the route alone cannot say ("REQ-12"); views set it. */
  subject = $state<string | null>(null);
  /** Client-side navigations so far (links, back and forward); 0 on the page the browser loaded. */
  navigations = $state(0);

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
    this.navigations += 1;
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
