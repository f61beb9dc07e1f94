// The Thingweb TD Playground validator ships no types; what the tests call of it.
declare module "@thing-description-playground/core" {
    export function tdValidator(
        td: string,
        log: (line: string) => void,
        options: { checkDefaults?: boolean; checkJsonLd?: boolean; checkTmConformance?: boolean }
    ): Promise<{ report: Record<string, string | null>; details: Record<string, string | null> }>;
}
