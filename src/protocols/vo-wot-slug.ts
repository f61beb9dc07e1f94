/**
 * The URL-safe name vo-wot (wotpy2) gives a Thing or an affordance (`url_name`: python-slugify's `slugify`):
 * accents dropped, lowercase, every run of other characters a single `-`, none at either end
 * (python-slugify also spells out what has no accent to drop, `°` as `deg`, Greek and Cyrillic letters in Latin
 * ones: such a name is not matched here; `test/protocols/vo-wot-slug.test.ts` holds the rest to python-slugify).
 * vo-wot's MQTT topics and WebSocket paths carry these names, and its clients take them from the forms.
 */
export function voWotSlug(name: string): string {
    return name
        .normalize("NFKD")
        .replace(/[\u0300-\u036f]/g, "")
        .toLowerCase()
        .replace(/ß/g, "ss")
        .replace(/(?<=\d),(?=\d)/g, "") // "1,000 units" is "1000-units"
        .replace(/[^-a-z0-9]+/g, "-")
        .replace(/-{2,}/g, "-")
        .replace(/^-+|-+$/g, "");
}

/** The affordance of `map` whose vo-wot name is `slug` (the first, as wotpy2 looks it up). */
export function affordanceBySlug<T>(map: Record<string, T>, slug: string): string | undefined {
    return Object.keys(map).find((name) => voWotSlug(name) === slug);
}
