/** The media type of a Content-Type value, lower case, without parameters. */
export function mediaTypeOf(contentType: string): string {
    const semi = contentType.indexOf(";");
    return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}
