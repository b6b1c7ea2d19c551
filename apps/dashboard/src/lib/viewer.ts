// Who is signed in, shared by the views through Svelte context.
import { getContext, setContext } from "svelte";

export interface Viewer {
  id: string;
  displayName: string;
  email: string;
  role: "ADMIN" | "END_USER";
}

const KEY = Symbol("viewer");

export const provideViewer = (get: () => Viewer | undefined) => setContext(KEY, get);
export const useViewer = (): (() => Viewer | undefined) => getContext(KEY);
