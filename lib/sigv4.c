/* sigv4.c - AWS Signature Version 4
 *
 * Rules: /work/shared/aws-protocols.md section 4.  Where the published
 * rules leave a choice open, this follows botocore (the reference the tests
 * compare against), e.g. its remove_dot_segments() and its list of headers
 * that are never signed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "sigv4.h"
#include "sigv4_priv.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

/* Hop-by-hop headers and those a proxy or the HTTP stack may rewrite: a
 * signature over them would break in transit (botocore's list). */
static const char *const unsigned_headers[] = {
	"connection", "expect", "keep-alive", "proxy-authenticate",
	"proxy-authorization", "te", "trailer", "transfer-encoding",
	"upgrade", "user-agent", "x-amzn-trace-id",
};

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* RFC 7230 tchar: anything else in a header name is a malformed request. */
static int is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void to_hex(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex_lower[p[i] >> 4];
		out[2 * i + 1] = hex_lower[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int uri_encode_into(struct buf *b, const char *s, size_t len,
			   int keep_slash)
{
	size_t i;
	int res = 0;

	for (i = 0; i < len && !res; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c) || (keep_slash && c == '/')) {
			res = buf_putc(b, (char)c);
		} else {
			char esc[3] = { '%', hex_upper[c >> 4],
					hex_upper[c & 15] };

			res = buf_append(b, esc, 3);
		}
	}
	return res;
}

char *sigv4_uri_encode(const char *s, size_t len, int keep_slash)
{
	struct buf b;

	buf_init(&b, SIGV4_MAX_TEXT);
	if (uri_encode_into(&b, s, len, keep_slash)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

void sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	/* Only fails when OpenSSL cannot allocate a context; an all-zero
	 * hash then makes the signature wrong, never a crash. */
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32)
		memset(md, 0, 32);
	to_hex(md, 32, out);
}

int sigv4_amz_date(time_t when, char out[17])
{
	struct tm tm;

	if (!gmtime_r(&when, &tm) || tm.tm_year + 1900 < 0 ||
	    tm.tm_year + 1900 > 9999)
		return -EINVAL;
	if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		return -EINVAL;
	return 0;
}

char *sigv4_normalize_path(const char *path)
{
	size_t len = strlen(path), i = 0, nseg = 0;
	size_t *ends;
	struct buf b;
	char *res = NULL;

	if (!len)
		return strdup("/");
	/* ends[k] = length of the output after its k-th segment, so ".."
	 * pops by truncating the output */
	ends = calloc(len / 2 + 2, sizeof(*ends));
	if (!ends)
		return NULL;
	buf_init(&b, SIGV4_MAX_TEXT);
	if (path[0] == '/' && buf_putc(&b, '/'))
		goto out;
	while (i < len) {
		size_t j = i, n;

		while (j < len && path[j] != '/')
			j++;
		n = j - i;
		if (n == 0 || (n == 1 && path[i] == '.')) {
			/* empty or "." segment: dropped */
		} else if (n == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (nseg) {
				nseg--;
				b.len = nseg ? ends[nseg - 1] :
					(path[0] == '/' ? 1 : 0);
				b.data[b.len] = '\0';
			}
		} else {
			if (nseg && buf_putc(&b, '/'))
				goto out;
			if (buf_append(&b, path + i, n))
				goto out;
			ends[nseg++] = b.len;
		}
		i = j + 1;
	}
	if (path[len - 1] == '/' && nseg && buf_putc(&b, '/'))
		goto out;
	res = buf_steal(&b);
out:
	buf_free(&b);
	free(ends);
	return res;
}

int sigv4_canonical_uri(const char *path, const struct sigv4_config *cfg,
			char **out)
{
	char *norm = NULL, *enc;

	if (!path || !*path)
		path = "/";
	if (path[0] != '/')
		return -EINVAL;
	if (cfg->normalize_path) {
		norm = sigv4_normalize_path(path);
		if (!norm)
			return -ENOMEM;
		path = norm;
	}
	if (cfg->double_encode)
		enc = sigv4_uri_encode(path, strlen(path), 1);
	else
		enc = strdup(path);
	free(norm);
	if (!enc)
		return -ENOMEM;
	*out = enc;
	return 0;
}

struct qparam {
	char *name;
	char *value;
};

static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

/* Percent-decode s[0..len) and UriEncode the bytes strictly. */
static char *query_reencode(const char *s, size_t len)
{
	struct buf dec;
	size_t i;
	char *res = NULL;

	buf_init(&dec, SIGV4_MAX_TEXT);
	if (buf_append(&dec, "", 0))
		goto out;
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < len &&
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			if (buf_putc(&dec, (char)(hi << 4 | lo)))
				goto out;
			i += 2;
		} else if (buf_putc(&dec, s[i])) {
			goto out;
		}
	}
	res = sigv4_uri_encode(dec.data, dec.len, 0);
out:
	buf_free(&dec);
	return res;
}

int sigv4_canonical_query(const char *query, char **out)
{
	struct qparam *params = NULL;
	size_t n = 0, i, cap = 0;
	const char *p;
	struct buf b;
	int res = -ENOMEM;

	buf_init(&b, SIGV4_MAX_TEXT);
	if (!query)
		query = "";
	if (strlen(query) > SIGV4_MAX_TEXT)
		return -EFBIG;
	for (p = query; *p; ) {
		size_t len = strcspn(p, "&"), nlen;
		const char *eq;

		if (len) {
			eq = memchr(p, '=', len);
			nlen = eq ? (size_t)(eq - p) : len;
			if (n == cap) {
				struct qparam *np;

				cap = cap ? 2 * cap : 8;
				np = realloc(params, cap * sizeof(*np));
				if (!np)
					goto out;
				params = np;
			}
			params[n].name = query_reencode(p, nlen);
			params[n].value = eq ? query_reencode(eq + 1,
						len - nlen - 1) : strdup("");
			n++;
			if (!params[n - 1].name || !params[n - 1].value)
				goto out;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	if (n)
		qsort(params, n, sizeof(*params), qparam_cmp);
	if (buf_append(&b, "", 0))
		goto out;
	for (i = 0; i < n; i++) {
		res = buf_printf(&b, "%s%s=%s", i ? "&" : "", params[i].name,
				 params[i].value);
		if (res)
			goto out;
	}
	*out = buf_steal(&b);
	res = *out ? 0 : -ENOMEM;
out:
	for (i = 0; i < n; i++) {
		free(params[i].name);
		free(params[i].value);
	}
	free(params);
	buf_free(&b);
	return res;
}

char *sigv4_trim_value(const char *value)
{
	const unsigned char *p = (const unsigned char *)value;
	char *res, *q;

	res = malloc(strlen(value) + 1);
	if (!res)
		return NULL;
	q = res;
	while (*p) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		if (q != res)
			*q++ = ' ';
		while (*p && !is_space(*p))
			*q++ = (char)*p++;
	}
	*q = '\0';
	return res;
}

int sigv4_header_is_unsigned(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(unsigned_headers) / sizeof(*unsigned_headers);
	     i++)
		if (!strcasecmp(name, unsigned_headers[i]))
			return 1;
	return 0;
}

struct chdr {
	char *name;     /* lower case */
	char *value;    /* trimmed */
	size_t order;   /* position in the request: keeps duplicates in order */
};

static int chdr_cmp(const void *a, const void *b)
{
	const struct chdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int chdr_add(struct chdr *h, size_t *n, const char *name,
		    const char *value)
{
	struct chdr *e = &h[*n];
	char *q;

	e->name = strdup(name);
	e->value = sigv4_trim_value(value);
	e->order = *n;
	(*n)++;
	if (!e->name || !e->value)
		return -ENOMEM;
	for (q = e->name; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return 0;
}

static int valid_token(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

static int has_token(const struct sigv4_credentials *cr)
{
	return cr->session_token && *cr->session_token;
}

/* The payload line: the body hash, or the caller's own
 * x-amz-content-sha256 (e.g. UNSIGNED-PAYLOAD) as botocore does. */
static const char *payload_line(const struct chdr *h, size_t n,
				const char *body_hash)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(h[i].name, "x-amz-content-sha256"))
			return h[i].value;
	return body_hash;
}

int sigv4_canonical_request(const struct sigv4_request *req,
			    const struct sigv4_credentials *cr,
			    const struct sigv4_config *cfg,
			    const char *amz_date, char **creq_out,
			    char **signed_headers_out)
{
	struct chdr *h = NULL;
	size_t n = 0, i;
	char *uri = NULL, *query = NULL, body_hash[65];
	struct buf b, sh;
	int res, have_host = 0;

	buf_init(&b, SIGV4_MAX_TEXT);
	buf_init(&sh, SIGV4_MAX_TEXT);
	if (!valid_token(req->method) || (req->nheaders && !req->headers) ||
	    (req->body_len && !req->body))
		return -EINVAL;
	h = calloc(req->nheaders + 3, sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (i = 0; i < req->nheaders; i++) {
		const char *name = req->headers[i].name;

		res = -EINVAL;
		if (!valid_token(name) || !req->headers[i].value)
			goto out;
		if (sigv4_header_is_unsigned(name))
			continue;
		/* the signer sets these itself; a stale copy (a retry) goes */
		if (!strcasecmp(name, "authorization") ||
		    !strcasecmp(name, "x-amz-date") ||
		    (has_token(cr) &&
		     !strcasecmp(name, "x-amz-security-token")) ||
		    (cfg->sign_body_header &&
		     !strcasecmp(name, "x-amz-content-sha256")))
			continue;
		if (!strcasecmp(name, "host"))
			have_host = 1;
		res = chdr_add(h, &n, name, req->headers[i].value);
		if (res)
			goto out;
	}
	res = -EINVAL;
	if (!have_host)
		goto out;
	sigv4_sha256_hex(req->body_len ? req->body : "", req->body_len,
			 body_hash);
	res = chdr_add(h, &n, "x-amz-date", amz_date);
	if (!res && has_token(cr))
		res = chdr_add(h, &n, "x-amz-security-token",
			       cr->session_token);
	if (!res && cfg->sign_body_header)
		res = chdr_add(h, &n, "x-amz-content-sha256", body_hash);
	if (res)
		goto out;
	qsort(h, n, sizeof(*h), chdr_cmp);

	res = sigv4_canonical_uri(req->path, cfg, &uri);
	if (!res)
		res = sigv4_canonical_query(req->query, &query);
	if (!res)
		res = buf_printf(&b, "%s\n%s\n%s\n", req->method, uri, query);
	for (i = 0; i < n && !res; i++) {
		if (i && !strcmp(h[i].name, h[i - 1].name)) {
			res = buf_printf(&b, ",%s", h[i].value);
			continue;
		}
		res = buf_printf(&b, "%s%s:%s", i ? "\n" : "", h[i].name,
				 h[i].value);
		if (!res)
			res = buf_printf(&sh, "%s%s", i ? ";" : "", h[i].name);
	}
	if (!res)
		res = buf_printf(&b, "\n\n%s\n%s", buf_str(&sh),
				 payload_line(h, n, body_hash));
	if (res)
		goto out;
	*creq_out = buf_steal(&b);
	*signed_headers_out = buf_steal(&sh);
	if (!*creq_out || !*signed_headers_out) {
		free(*creq_out);
		free(*signed_headers_out);
		res = -ENOMEM;
	}
out:
	for (i = 0; i < n; i++) {
		if (h[i].value)
			OPENSSL_cleanse(h[i].value, strlen(h[i].value));
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
	free(uri);
	free(query);
	buf_wipe(&b);
	buf_free(&sh);
	return res;
}

int sigv4_string_to_sign(const char *creq, const char *amz_date,
			 const struct sigv4_config *cfg, char **out)
{
	char hash[65];
	struct buf b;

	sigv4_sha256_hex(creq, strlen(creq), hash);
	buf_init(&b, SIGV4_MAX_TEXT);
	if (buf_printf(&b, SIGV4_ALGORITHM "\n%s\n%.8s/%s/%s/aws4_request\n%s",
		       amz_date, amz_date, cfg->region, cfg->service, hash)) {
		buf_free(&b);
		return -ENOMEM;
	}
	*out = buf_steal(&b);
	return *out ? 0 : -ENOMEM;
}

static int hmac256(const void *key, size_t klen, const void *msg, size_t mlen,
		   unsigned char out[32])
{
	unsigned int len = 0;

	if (!HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &len) ||
	    len != 32)
		return -ENOMEM;
	return 0;
}

int sigv4_signature(const char *secret, const char *amz_date,
		    const struct sigv4_config *cfg, const char *sts,
		    char out[65])
{
	unsigned char k1[32], k2[32];
	size_t slen;
	char *ksecret;
	int res;

	if (!secret || strlen(amz_date) < 8)
		return -EINVAL;
	slen = strlen(secret);
	if (slen > 1024)
		return -EINVAL;
	ksecret = malloc(slen + 5);
	if (!ksecret)
		return -ENOMEM;
	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, secret, slen + 1);
	res = hmac256(ksecret, slen + 4, amz_date, 8, k1);
	if (!res)
		res = hmac256(k1, 32, cfg->region, strlen(cfg->region), k2);
	if (!res)
		res = hmac256(k2, 32, cfg->service, strlen(cfg->service), k1);
	if (!res)
		res = hmac256(k1, 32, "aws4_request", 12, k2);
	if (!res)
		res = hmac256(k2, 32, sts, strlen(sts), k1);
	if (!res)
		to_hex(k1, 32, out);
	OPENSSL_cleanse(ksecret, slen + 5);
	free(ksecret);
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	return res;
}

void sigv4_stages_free(struct sigv4_stages *st)
{
	free(st->canonical_request);
	free(st->string_to_sign);
	st->canonical_request = NULL;
	st->string_to_sign = NULL;
}

static int valid_scope_part(const char *s)
{
	return s && *s && !strpbrk(s, "/\r\n ,");
}

int sigv4_sign_stages(const struct sigv4_request *req,
		      const struct sigv4_credentials *cr,
		      const struct sigv4_config *cfg,
		      struct sigv4_output *out, struct sigv4_stages *st)
{
	char amz_date[17], sig[65], *creq = NULL, *sts = NULL;
	char *signed_headers = NULL, *auth = NULL;
	struct buf b;
	int res;

	if (!req || !cr || !cfg || !out || !valid_scope_part(cfg->region) ||
	    !valid_scope_part(cfg->service) ||
	    !valid_scope_part(cr->access_key_id) || !cr->secret_access_key)
		return -EINVAL;
	res = sigv4_amz_date(cfg->when, amz_date);
	if (res)
		return res;
	res = sigv4_canonical_request(req, cr, cfg, amz_date, &creq,
				      &signed_headers);
	if (!res)
		res = sigv4_string_to_sign(creq, amz_date, cfg, &sts);
	if (!res)
		res = sigv4_signature(cr->secret_access_key, amz_date, cfg, sts,
				      sig);
	if (res)
		goto out;
	buf_init(&b, SIGV4_MAX_TEXT);
	res = buf_printf(&b, SIGV4_ALGORITHM " Credential=%s/%.8s/%s/%s/"
			 "aws4_request, SignedHeaders=%s, Signature=%s",
			 cr->access_key_id, amz_date, cfg->region,
			 cfg->service, signed_headers, sig);
	auth = res ? NULL : buf_steal(&b);
	buf_free(&b);
	if (!auth) {
		res = -ENOMEM;
		goto out;
	}

	memcpy(out->amz_date, amz_date, sizeof(amz_date));
	if (cfg->sign_body_header)
		sigv4_sha256_hex(req->body_len ? req->body : "", req->body_len,
				 out->content_sha256);
	else
		out->content_sha256[0] = '\0';
	out->authorization = auth;
	out->signed_headers = signed_headers;
	signed_headers = NULL;
	if (st) {
		st->canonical_request = creq;
		st->string_to_sign = sts;
		memcpy(st->signature, sig, sizeof(sig));
		creq = sts = NULL;
	}
out:
	/* the canonical request carries the session token */
	if (creq)
		OPENSSL_cleanse(creq, strlen(creq));
	free(creq);
	free(sts);
	free(signed_headers);
	return res;
}

int sigv4_sign(const struct sigv4_request *req,
	       const struct sigv4_credentials *cr,
	       const struct sigv4_config *cfg,
	       struct sigv4_output *out)
{
	return sigv4_sign_stages(req, cr, cfg, out, NULL);
}

void sigv4_output_free(struct sigv4_output *out)
{
	if (!out)
		return;
	free(out->authorization);
	free(out->signed_headers);
	out->authorization = NULL;
	out->signed_headers = NULL;
}
