/* awscall.c - call one AWS operation through lib/aws (for the pytest tests)
 *
 *   AWSCALL_SECRET=... awscall --endpoint URL --region R --access-key K
 *	[--token T] [--max-attempts N] [--retry-mode M] [--max-response B]
 *	[--stats] [--debug] [--show-errno]
 *	(json | query | paginate) <service-id> <Op> [JSON-input]
 *	[--in-key NextToken --out-key NextToken --items Accounts]
 *   awscall ... rest <service-id> <METHOD> <path> [JSON-body] [--unsigned]
 *
 * Prints the reply as compact JSON on stdout (paginate: the members named
 * by --items of every page, concatenated into one array), or one line
 * "awscall: <error>" on stderr and exits 1.  Nothing is printed on stdout
 * when the call fails; --show-errno adds a line "awscall: errno <NAME>".
 * The secret comes from AWSCALL_SECRET (or
 * --secret), the session token from AWSCALL_TOKEN (or --token).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "creds.h"
#include "http.h"
#include "log.h"

static const struct aws_service *const services[] = {
	&aws_svc_organizations, &aws_svc_tagging, &aws_svc_config,
	&aws_svc_sts, &aws_svc_resource_explorer, &aws_svc_sso,
	&aws_svc_sso_oidc,
};

static const struct aws_service *find_service(const char *name)
{
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (!strcmp(name, services[i]->id) ||
		    !strcmp(name, services[i]->endpoint_prefix) ||
		    !strcmp(name, services[i]->signing_name))
			return services[i];
	return NULL;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: awscall --endpoint URL --region R --access-key K [--token T]\n"
		"               [--max-attempts N] [--retry-mode M] [--max-response B]\n"
		"               [--stats] [--debug] [--show-errno]\n"
		"               (json | query | paginate) <service-id> <Op> [JSON-input]\n"
		"               [--in-key K --out-key K --items M]\n"
		"       awscall ... rest <service-id> <METHOD> <path> [JSON-body] [--unsigned]\n"
		"the secret is read from AWSCALL_SECRET (or --secret)\n");
	exit(2);
}

struct items {
	const char *member;
	json_t *all;
};

static int add_page(json_t *page, void *arg)
{
	struct items *it = arg;
	json_t *v = json_object_get(page, it->member);

	if (!v)
		return 0;
	if (!json_is_array(v))
		return -EPROTO;
	return json_array_extend(it->all, v) ? -ENOMEM : 0;
}

/* A flat JSON object of strings (or numbers) as query parameters. */
static int to_params(json_t *in, struct aws_param **out, size_t *n,
		     char ***strs)
{
	const char *k;
	json_t *v;
	size_t i = 0;

	*n = in ? json_object_size(in) : 0;
	*out = calloc(*n ? *n : 1, sizeof(**out));
	*strs = calloc(*n ? *n : 1, sizeof(**strs));
	if (!*out || !*strs)
		return -ENOMEM;
	if (!in)
		return 0;
	json_object_foreach(in, k, v) {
		if (json_is_string(v))
			(*strs)[i] = strdup(json_string_value(v));
		else if (json_is_number(v) || json_is_boolean(v))
			(*strs)[i] = json_dumps(v, JSON_ENCODE_ANY);
		else
			return -EINVAL;
		if (!(*strs)[i])
			return -ENOMEM;
		(*out)[i].name = k;
		(*out)[i].value = (*strs)[i];
		i++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"endpoint", required_argument, NULL, 'e'},
		{"region", required_argument, NULL, 'r'},
		{"access-key", required_argument, NULL, 'a'},
		{"secret", required_argument, NULL, 's'},
		{"token", required_argument, NULL, 't'},
		{"max-attempts", required_argument, NULL, 'm'},
		{"retry-mode", required_argument, NULL, 'M'},
		{"max-response", required_argument, NULL, 'B'},
		{"in-key", required_argument, NULL, 'i'},
		{"out-key", required_argument, NULL, 'o'},
		{"items", required_argument, NULL, 'I'},
		{"stats", no_argument, NULL, 'S'},
		{"debug", no_argument, NULL, 'd'},
		{"unsigned", no_argument, NULL, 'u'},
		{"show-errno", no_argument, NULL, 'E'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *endpoint = NULL, *region = "us-east-1", *akid = NULL;
	const char *secret = getenv("AWSCALL_SECRET");
	const char *token = getenv("AWSCALL_TOKEN");
	const char *in_key = "NextToken", *out_key = NULL, *items = NULL;
	const char *mode_s = NULL;
	int max_attempts = 0, stats = 0, sign = 1, show_errno = 0, c, res;
	int status = 1;
	size_t max_response = 0;
	struct aws_client_config cc = {0};
	struct http_ctx_config hc = {0};
	struct endpoint_config ep = {0};
	const struct aws_service *svc;
	struct creds_provider *creds = NULL;
	struct aws_client *client = NULL;
	struct http_ctx *http = NULL;
	struct aws_param *params = NULL;
	char **strs = NULL;
	size_t nparams = 0;
	json_t *input = NULL, *out = NULL;
	struct aws_error err;
	json_error_t jerr;
	const char *kind, *op, *path = NULL, *in_text;
	char msg[1024];
	char *dump;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'e': endpoint = optarg; break;
		case 'r': region = optarg; break;
		case 'a': akid = optarg; break;
		case 's': secret = optarg; break;
		case 't': token = optarg; break;
		case 'm': max_attempts = atoi(optarg); break;
		case 'M': mode_s = optarg; break;
		case 'B': max_response = strtoul(optarg, NULL, 10); break;
		case 'i': in_key = optarg; break;
		case 'o': out_key = optarg; break;
		case 'I': items = optarg; break;
		case 'S': stats = 1; break;
		case 'd': log_set_level(LOG_DEBUG); break;
		case 'u': sign = 0; break;
		case 'E': show_errno = 1; break;
		default: usage();
		}
	}
	if (argc - optind < 3 || !endpoint)
		usage();
	kind = argv[optind];
	svc = find_service(argv[optind + 1]);
	op = argv[optind + 2];
	in_text = argc - optind > 3 ? argv[optind + 3] : NULL;
	if (!strcmp(kind, "rest")) {
		if (argc - optind < 4)
			usage();
		path = argv[optind + 3];
		in_text = argc - optind > 4 ? argv[optind + 4] : NULL;
	}
	if (!svc) {
		fprintf(stderr, "awscall: unknown service %s\n", argv[optind + 1]);
		return 2;
	}
	if (sign && (!akid || !secret)) {
		fprintf(stderr, "awscall: --access-key and AWSCALL_SECRET are needed to sign\n");
		return 2;
	}
	if (!out_key)
		out_key = in_key;
	if (!strcmp(kind, "paginate") && !items) {
		fprintf(stderr, "awscall: paginate needs --items\n");
		return 2;
	}
	if (in_text) {
		input = json_loads(in_text, 0, &jerr);
		if (!json_is_object(input)) {
			fprintf(stderr, "awscall: input is not a json object: %s\n",
				jerr.text);
			return 2;
		}
	}

	json_object_seed(0);
	if (http_global_init()) {
		fprintf(stderr, "awscall: cannot initialise libcurl\n");
		return 1;
	}
	hc.max_response = max_response;
	http = http_ctx_new(&hc);
	if (akid && secret)
		creds = creds_static_new(akid, secret, token, "awscall keys");
	if (!http || (akid && secret && !creds)) {
		fprintf(stderr, "awscall: out of memory\n");
		goto out;
	}
	ep.orgfs_endpoint = endpoint;
	cc.http = http;
	cc.creds = creds;
	cc.region = region;
	cc.endpoints = &ep;
	cc.max_attempts = max_attempts;
	if (mode_s && !strcmp(mode_s, "legacy"))
		cc.retry_mode = AWS_RETRY_LEGACY;
	else if (mode_s && !strcmp(mode_s, "adaptive"))
		cc.retry_mode = AWS_RETRY_ADAPTIVE;
	client = aws_client_new(&cc);
	if (!client) {
		fprintf(stderr, "awscall: cannot create the client\n");
		goto out;
	}

	aws_error_clear(&err);
	if (!strcmp(kind, "json")) {
		res = aws_json_call(client, svc, NULL, op, input, &out, &err);
	} else if (!strcmp(kind, "query")) {
		res = to_params(input, &params, &nparams, &strs);
		if (res) {
			fprintf(stderr, "awscall: query input must be a flat object\n");
			goto out;
		}
		res = aws_query_call(client, svc, NULL, op, params, nparams,
				     &out, &err);
	} else if (!strcmp(kind, "paginate")) {
		struct items it = {items, json_array()};

		res = aws_json_paginate(client, svc, NULL, op, input, in_key,
					out_key, add_page, &it, &err);
		if (!res)
			out = it.all;
		else
			json_decref(it.all);
	} else if (!strcmp(kind, "rest")) {
		res = aws_rest_call(client, svc, NULL, op, path, NULL, 0, NULL,
				    0, input, sign, &out, &err);
	} else {
		usage();
		res = -EINVAL;
	}
	if (stats) {
		struct buf b;

		buf_init(&b, 1 << 20);
		if (!aws_client_stats_render(client, &b))
			fprintf(stderr, "%s", buf_str(&b));
		buf_free(&b);
	}
	if (res) {
		fprintf(stderr, "awscall: %s\n",
			aws_error_str(&err, msg, sizeof(msg)));
		if (show_errno)
			fprintf(stderr, "awscall: errno %s\n",
				strerrorname_np(err.err) ? strerrorname_np(err.err) : "?");
		goto out;
	}
	dump = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!dump) {
		fprintf(stderr, "awscall: cannot print the reply\n");
		goto out;
	}
	printf("%s\n", dump);
	free(dump);
	status = fflush(stdout) ? 1 : 0;
out:
	json_decref(out);
	json_decref(input);
	for (size_t i = 0; strs && i < nparams; i++)
		free(strs[i]);
	free(strs);
	free(params);
	aws_client_free(client);
	creds_provider_release(creds);
	http_ctx_free(http);
	http_global_cleanup();
	return status;
}
