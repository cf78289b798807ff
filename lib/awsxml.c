/* awsxml.c - awsQuery XML replies as JSON (libxml2) */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "awserr.h"
#include "awsxml.h"

static pthread_once_t awsxml_once = PTHREAD_ONCE_INIT;

static void awsxml_init(void)
{
	/* libxml2 is thread-safe once initialised from one thread */
	xmlInitParser();
}

/* Refuse DTDs before libxml2 sees them: no entity is ever defined, so none
 * can be expanded (billion laughs) or fetched (XXE), whatever the parser
 * options.  A CDATA section quoting "<!DOCTYPE" is refused too; STS never
 * sends one. */
static int has_dtd(const char *xml, size_t len)
{
	static const char *const bad[] = {"<!DOCTYPE", "<!ENTITY"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (memmem(xml, len, bad[i], strlen(bad[i])))
			return 1;
	return 0;
}

static int parse_doc(const char *xml, size_t len, xmlDoc **out,
		     char *err, size_t errlen)
{
	xmlParserCtxt *ctxt;
	const xmlError *xe;
	char msg[256];
	xmlDoc *doc;

	pthread_once(&awsxml_once, awsxml_init);
	if (len > AWSXML_MAX_BYTES) {
		aws_error_text(err, errlen, "xml reply too large");
		return -EFBIG;
	}
	if (!xml || !len) {
		aws_error_text(err, errlen, "empty xml reply");
		return -EINVAL;
	}
	if (has_dtd(xml, len)) {
		aws_error_text(err, errlen, "xml with a dtd refused");
		return -EINVAL;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return -ENOMEM;
	/* No XML_PARSE_NOENT (no substitution), no DTDLOAD, no network, no
	 * HUGE (keeps libxml2's own depth and size limits), silent. */
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "reply.xml", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
				XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (!doc || !ctxt->wellFormed) {
		xe = xmlCtxtGetLastError(ctxt);
		/* where, never libxml2's text: it quotes names and bytes of
		 * the reply, which can be a secret cut short */
		if (xe && xe->line > 0)
			snprintf(msg, sizeof(msg),
				 "malformed xml reply: line %d column %d",
				 xe->line, xe->int2);
		else
			snprintf(msg, sizeof(msg), "malformed xml reply");
		aws_error_text(err, errlen, "%s", msg);
		if (doc)
			xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return -EINVAL;
	}
	xmlFreeParserCtxt(ctxt);
	if (doc->intSubset || doc->extSubset) {
		aws_error_text(err, errlen, "xml with a dtd refused");
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	if (!xmlDocGetRootElement(doc)) {
		aws_error_text(err, errlen, "xml reply without a root element");
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	*out = doc;
	return 0;
}

static int leaf_string(xmlNode *n, json_t **out, char *err, size_t errlen)
{
	xmlChar *text = xmlNodeGetContent(n);
	json_t *s;

	s = json_string(text ? (const char *)text : "");
	xmlFree(text);
	if (!s) {
		aws_error_text(err, errlen, "xml text is not valid utf-8");
		return -EINVAL;
	}
	*out = s;
	return 0;
}

static int convert(xmlNode *n, int depth, json_t **out, char *err,
		   size_t errlen);

static int convert_children(xmlNode *n, int depth, int as_array,
			    json_t **out, char *err, size_t errlen)
{
	json_t *res, *counts = NULL, *v;
	const char *name;
	xmlNode *c;
	int r;

	res = as_array ? json_array() : json_object();
	if (!res)
		return -ENOMEM;
	if (!as_array) {
		/* names seen more than once become arrays */
		counts = json_object();
		if (!counts) {
			r = -ENOMEM;
			goto fail;
		}
		for (c = n->children; c; c = c->next) {
			if (c->type != XML_ELEMENT_NODE)
				continue;
			name = (const char *)c->name;
			v = json_object_get(counts, name);
			if (json_object_set_new(counts, name,
						json_integer(v ? json_integer_value(v) + 1 : 1))) {
				r = -ENOMEM;
				goto fail;
			}
		}
	}
	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		r = convert(c, depth + 1, &v, err, errlen);
		if (r)
			goto fail;
		if (as_array) {
			r = json_array_append_new(res, v) ? -ENOMEM : 0;
		} else {
			name = (const char *)c->name;
			if (json_integer_value(json_object_get(counts, name)) > 1) {
				json_t *arr = json_object_get(res, name);

				if (!arr) {
					arr = json_array();
					if (!arr || json_object_set_new(res, name, arr)) {
						json_decref(v);
						r = -ENOMEM;
						goto fail;
					}
				}
				r = json_array_append_new(arr, v) ? -ENOMEM : 0;
			} else {
				r = json_object_set_new(res, name, v) ? -ENOMEM : 0;
			}
		}
		if (r)
			goto fail;
	}
	json_decref(counts);
	*out = res;
	return 0;
fail:
	json_decref(counts);
	json_decref(res);
	return r;
}

static int convert(xmlNode *n, int depth, json_t **out, char *err,
		   size_t errlen)
{
	int nelem = 0, nmember = 0;
	xmlNode *c;

	if (depth > AWSXML_MAX_DEPTH) {
		aws_error_text(err, errlen, "xml reply nested too deeply");
		return -EFBIG;
	}
	for (c = n->children; c; c = c->next) {
		if (c->type == XML_ENTITY_REF_NODE ||
		    c->type == XML_ENTITY_NODE) {
			aws_error_text(err, errlen, "xml entity reference refused");
			return -EINVAL;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		nelem++;
		if (!strcmp((const char *)c->name, "member"))
			nmember++;
	}
	if (!nelem)
		return leaf_string(n, out, err, errlen);
	return convert_children(n, depth, nmember == nelem, out, err, errlen);
}

int awsxml_to_json(const char *xml, size_t len, json_t **out,
		   char *err, size_t errlen)
{
	json_t *root = NULL, *v;
	xmlDoc *doc;
	xmlNode *r;
	int res;

	res = parse_doc(xml, len, &doc, err, errlen);
	if (res)
		return res;
	r = xmlDocGetRootElement(doc);
	res = convert(r, 1, &v, err, errlen);
	if (res)
		goto out;
	root = json_object();
	if (!root || json_object_set_new(root, (const char *)r->name, v)) {
		json_decref(root);
		res = -ENOMEM;
		goto out;
	}
	*out = root;
out:
	xmlFreeDoc(doc);
	return res;
}

static xmlNode *child(xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    !strcmp((const char *)c->name, name))
			return c;
	return NULL;
}

/* Copy, cutting an over-long value at a UTF-8 character boundary. */
static void copy_text(xmlNode *n, char *out, size_t len)
{
	xmlChar *text;
	size_t n_len;

	if (!n)
		return;
	text = xmlNodeGetContent(n);
	if (text) {
		n_len = strlen((const char *)text);
		if (n_len >= len) {
			n_len = len - 1;
			while (n_len && (text[n_len] & 0xc0) == 0x80)
				n_len--;
		}
		memcpy(out, text, n_len);
		out[n_len] = '\0';
	}
	xmlFree(text);
}

int awsxml_parse_error(const char *xml, size_t len, struct awsxml_error *out)
{
	xmlNode *root, *e;
	xmlDoc *doc;

	memset(out, 0, sizeof(*out));
	if (parse_doc(xml, len, &doc, NULL, 0))
		return -EINVAL;
	root = xmlDocGetRootElement(doc);
	e = child(root, "Error");
	if (!e)
		e = child(child(root, "Errors"), "Error");
	if (!e && !strcmp((const char *)root->name, "Error"))
		e = root;
	copy_text(child(e, "Type"), out->type, sizeof(out->type));
	copy_text(child(e, "Code"), out->code, sizeof(out->code));
	copy_text(child(e, "Message"), out->message, sizeof(out->message));
	copy_text(child(root, "RequestId"), out->request_id,
		  sizeof(out->request_id));
	if (!out->request_id[0])
		copy_text(child(root, "RequestID"), out->request_id,
			  sizeof(out->request_id));
	if (!out->request_id[0])
		copy_text(child(e, "RequestId"), out->request_id,
			  sizeof(out->request_id));
	xmlFreeDoc(doc);
	return out->code[0] ? 0 : -EINVAL;
}
