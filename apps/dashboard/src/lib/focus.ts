// Where focus goes when the page changes under the person, so that keyboard and screen-reader
// users land where sighted users look: the new page's heading after a client-side navigation, and
// a form's result (a confirmation, an error summary) after a submit.
import { tick } from "svelte";

/** Focuses `element`; one that cannot take focus (a heading, a paragraph) is made focusable by script only, not a tab stop. */
function focusHere(element: HTMLElement): void {
  // A control or link keeps its place in the tab order.
  if (element.tabIndex < 0 && !element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
  element.focus({ preventScroll: true });
}

/**
 * Focuses the first h1 inside `container` as soon as there is one: at once, or when the view
 * renders it (admin views load their code first). A heading that goes away meanwhile (the previous
 * page's, replaced once the new view's code has loaded) hands focus to the one that replaces it,
 * for a few seconds after the navigation. Returns the cancel function (the next navigation cancels
 * a wait that is still on).
 */
export function focusHeadingWhenShown(container: HTMLElement, settleMs = 3000): () => void {
  let focused: HTMLElement | null = null;
  const focusHeading = (): void => {
    if (focused?.isConnected) return;
    // Focus went somewhere on purpose (the person moved on): leave it there.
    if (focused && document.activeElement && document.activeElement !== document.body) return;
    const heading = container.querySelector("h1");
    focused = heading;
    if (heading) focusHere(heading);
  };
  focusHeading();
  const observer = new MutationObserver(focusHeading);
  observer.observe(container, { childList: true, subtree: true });
  const settled = setTimeout(() => observer.disconnect(), settleMs);
  return () => {
    clearTimeout(settled);
    observer.disconnect();
  };
}

/**
 * After a submit: focuses the result once Svelte has rendered it — an element, or the first match
 * of a selector (e.g. `[role=alert]` of an error summary). Nothing happens when there is none.
 */
export async function focusResult(target: HTMLElement | string | null | undefined): Promise<void> {
  await tick();
  const element = typeof target === "string" ? document.querySelector<HTMLElement>(target) : target;
  if (element) focusHere(element);
}

/** Svelte action: the element (a result that appears after a submit) takes focus when it is shown. */
export function focusOnShow(element: HTMLElement): void {
  focusHere(element);
}
