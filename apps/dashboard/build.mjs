// Placeholder build of the dashboard (the Svelte dashboard comes in its own issue): writes a
// single page that points people to GraphiQL, so `npm start` serves something useful at `/`.
import { mkdirSync, writeFileSync } from "node:fs";

mkdirSync(new URL("./dist/", import.meta.url), { recursive: true });
writeFileSync(
  new URL("./dist/index.html", import.meta.url),
  `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Access requests</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Access requests</h1>
<p>The API is running. The dashboard is not part of this version yet.</p>
<p>Explore and use the API in <a href="/graphql">GraphiQL</a> with an API token
(<code>npm run seed:demo</code> prints some).</p>
</body>
</html>
`,
);
