import { HttpClient, HttpClientFactory } from "@node-wot/binding-http";
import type { HttpConfig, HttpForm } from "@node-wot/binding-http";
import type { Content } from "@node-wot/core";
import fetch, { Request, RequestInit, Response } from "node-fetch";
import { MAX_REDIRECTS } from "../client-redirects";
import { voWotResourceOf } from "../vo-wot-forms";
import { HttpRequester, invokeVoWot, readVoWot, VoWotLongPolls, writeVoWot } from "./vo-wot-http-client";

const REDIRECT = new Set([301, 302, 303, 307, 308]);

/**
 * binding-http 0.9.2 sends every request through node-fetch with its default `redirect: "follow"`.
 * That follows a redirected read, but a write or an action carries a stream body, which node-fetch
 * refuses to re-send ("Cannot follow redirect with body being a readable stream"): the VO a client
 * talks to has moved (307 from its redirect list) and the write fails. This client reads the body
 * once, then follows 307/308 itself with the same method and body, and 301/302/303 as GET.
 * On the forms of a vo-wot TD (vo-wot-forms.ts) it speaks vo-wot's envelopes and long polls
 * (vo-wot-http-client.ts).
 */
export class VoHttpClient extends HttpClient {
    private readonly voWotPolls = new VoWotLongPolls();

    /** binding-http's own request building and checks, for vo-wot's requests */
    private get requester(): HttpRequester {
        return this as unknown as HttpRequester;
    }

    override readResource(form: HttpForm): Promise<Content> {
        if (voWotResourceOf(form) === undefined) return super.readResource(form);
        return readVoWot(this.requester, form);
    }

    override writeResource(form: HttpForm, content: Content): Promise<void> {
        if (voWotResourceOf(form) === undefined) return super.writeResource(form, content);
        return writeVoWot(this.requester, form, content);
    }

    override invokeResource(form: HttpForm, content?: Content): Promise<Content> {
        if (voWotResourceOf(form) === undefined) return super.invokeResource(form, content);
        return invokeVoWot(this.requester, form, content);
    }

    override async subscribeResource(
        form: HttpForm,
        next: (value: Content) => void,
        error?: (error: Error) => void,
        complete?: () => void
    ): ReturnType<HttpClient["subscribeResource"]> {
        if (voWotResourceOf(form) === undefined) return super.subscribeResource(form, next, error, complete);
        const polls = await this.voWotPolls.subscribe(this.requester, form, next, complete);
        // what node-wot's ConsumedThing keeps of it: unsubscribe()
        return { unsubscribe: () => polls.unsubscribe() } as unknown as Awaited<
            ReturnType<HttpClient["subscribeResource"]>
        >;
    }

    override async unlinkResource(form: HttpForm): Promise<void> {
        if (voWotResourceOf(form) !== undefined && this.voWotPolls.unsubscribe(form.href)) return;
        return super.unlinkResource(form);
    }

    override async stop(): Promise<void> {
        this.voWotPolls.closeAll();
        return super.stop();
    }

    protected override async _fetch(request: Request): Promise<Response> {
        // without a body node-fetch follows by itself (reads, long-poll subscriptions with their abort signal)
        if (request.body === null) return super._fetch(request);
        // node-fetch keeps these on the Request; its types only declare some of them
        const { agent, signal } = request as unknown as Pick<RequestInit, "agent" | "signal">;
        const { headers, timeout } = request;
        let method = request.method;
        let url = request.url;
        let body: Buffer | undefined = await request.buffer();
        for (let hop = 0; ; hop++) {
            const response = await fetch(url, { method, headers, body, agent, signal, timeout, redirect: "manual" });
            const location = response.headers.get("location");
            if (!REDIRECT.has(response.status) || location === null) return response;
            if (hop >= MAX_REDIRECTS) {
                throw new Error(`HttpClient gave up on ${request.url} after ${MAX_REDIRECTS} redirects`);
            }
            response.body.resume(); // free the connection
            url = new URL(location, url).toString();
            if (response.status === 303 || (response.status <= 302 && method !== "GET" && method !== "HEAD")) {
                method = "GET";
                body = undefined;
                headers.delete("content-type");
            }
        }
    }
}

/** Registers `VoHttpClient` for http:// forms: `servient.addClientFactory(new VoHttpClientFactory())`. */
export class VoHttpClientFactory extends HttpClientFactory {
    constructor(protected readonly httpConfig: HttpConfig | null = null) {
        super(httpConfig);
    }

    override getClient(): HttpClient {
        return new VoHttpClient(this.httpConfig ?? undefined);
    }
}

/** The same for https:// forms (`allowSelfSigned` in the config trusts a self-signed server). */
export class VoHttpsClientFactory extends VoHttpClientFactory {
    override readonly scheme: string = "https";

    override getClient(): HttpClient {
        return new VoHttpClient(this.httpConfig ?? undefined, true);
    }
}
