/** `{{name}}` in a journey step's URL, headers or body: a value an earlier step extracted. */
export const TEMPLATE_VARIABLE = /\{\{\s*([A-Za-z_]\w*)\s*\}\}/g;
