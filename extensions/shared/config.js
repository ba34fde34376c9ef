// Where the backend lives. `scripts/build-extensions.mjs` bakes it in from CANCEL_APP_URL;
// devshop's extension host sets the global instead. Empty: the page's own origin.
/* global __APP_URL__ */
export const APP_URL = typeof __APP_URL__ === 'string' ? __APP_URL__.replace(/\/$/, '') : '';
