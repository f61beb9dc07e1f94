/**
 * How many redirects this package's clients follow (every protocol's the same) before they give up on a request,
 * naming the URL: two VOs that redirect to each other must not loop for ever.
 */
export const MAX_REDIRECTS = 5;
