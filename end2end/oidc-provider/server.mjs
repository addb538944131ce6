// A real OpenID provider (panva/oidc-provider) on loopback, for the browser tests only.
// Any login name signs in (devInteractions) and becomes the subject; names starting with
// "reviewer" carry an eduperson_entitlement that a claim rule can turn into a role.
//
//   node oidc-provider/server.mjs <port> <portal base URL>
import Provider from 'oidc-provider';

const [port, portal] = [Number(process.argv[2]), process.argv[3].replace(/\/$/, '')];
const issuer = `http://127.0.0.1:${port}`;

const accounts = {
  async findAccount(_ctx, id) {
    const name = id.split(/[-_.]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join(' ');
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          name: `${name} Testperson`,
          email: `${id}@example.org`,
          schac_home_organization: 'example.org',
          eduperson_entitlement: id.startsWith('reviewer')
            ? ['urn:geant:example.org:group:portal-reviewers']
            : [],
        };
      },
    };
  },
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'portal-e2e',
      client_secret: 'e2e-client-secret',
      redirect_uris: [`${portal}/auth/oidc/callback`],
      post_logout_redirect_uris: [`${portal}/`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      // Always say when the person authenticated, even if the portal's max_age=0 was
      // stripped on the way: the portal's signing check must then refuse on the time.
      require_auth_time: true,
    },
  ],
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['name', 'schac_home_organization', 'eduperson_entitlement'],
    email: ['email'],
  },
  conformIdTokenClaims: false,
  cookies: { keys: ['e2e-only-cookie-key'] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html lang="en"><head><title>Sign out</title></head><body>
          <h1>Test identity provider</h1>${form}
          <button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
          </body></html>`;
      },
    },
  },
  // Skip the consent screen: the portal is the only client of this test provider.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    if (!ctx.oidc.session.accountId) return undefined;
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email');
    await grant.save();
    return grant;
  },
  ...accounts,
});

provider.listen(port, '127.0.0.1', () => console.log(`test OpenID provider on ${issuer}`));
