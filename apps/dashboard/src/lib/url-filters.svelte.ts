// A list page's filters kept in its address, so a link, a bookmark or a reload shows the same
// list: read from the query string when the page opens, written back as they change with
// replaceState (no history entry per change). A value equal to its default is left out, so the
// plain path is the page as it opens; a value the page does not offer falls back to the default.

/** For each filter, the values it may take, or their shape (absent: any text, such as a search or an id). */
export type Allowed<T> = { [K in keyof T]?: readonly string[] | RegExp };

/** A datetime-local field's value ("2026-11-28T09:30"), or empty. */
export const LOCAL_DATE_TIME = /^$|^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
/** A date field's value ("2026-11-28"), or empty. */
export const DATE = /^$|^\d{4}-\d{2}-\d{2}$/;

/** The filters as the query string `search` gives them, defaults for what it lacks or spoils. */
export function readFilters<T extends Record<string, string>>(
  search: string,
  defaults: T,
  allowed: Allowed<T> = {},
): T {
  // Read once, never watched: not state.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const params = new URLSearchParams(search);
  const read: Record<string, string> = { ...defaults };
  for (const key of Object.keys(defaults)) {
    const value = params.get(key);
    const choices = allowed[key];
    const fits = !choices || (choices instanceof RegExp ? choices.test(value ?? "") : choices.includes(value ?? ""));
    if (value !== null && fits) read[key] = value;
  }
  return read as T;
}

/** `href` with the filters in its query string (defaults left out), other parameters kept. */
export function withFilters<T extends Record<string, string>>(href: string, filters: T, defaults: T): string {
  // A local value to build one address: not state.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const url = new URL(href);
  for (const key of Object.keys(defaults)) {
    if (filters[key] === defaults[key]) url.searchParams.delete(key);
    else url.searchParams.set(key, filters[key] ?? "");
  }
  return url.href;
}

/**
 * The page's filters as reactive state, kept in the address. Call it while the page's component
 * is set up (it registers an effect). Bind the fields to its properties.
 */
export function filtersInUrl<T extends Record<string, string>>(defaults: T, allowed: Allowed<T> = {}): T {
  const filters = $state(readFilters(location.search, defaults, allowed));
  $effect(() => {
    const next = withFilters(location.href, filters, defaults);
    if (next !== location.href) history.replaceState(history.state, "", next);
  });
  return filters;
}
