/* table.c - tables as TSV or JSON Lines from one row source (table.h) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "table.h"
#include "views.h"

/* The TSV header into b */
static int put_header(const struct table *t, struct buf *b)
{
	size_t i;
	int res = 0;

	for (i = 0; i < t->ncols && !res; i++)
		res = buf_printf(b, "%s%c", t->cols[i].name,
				 i + 1 < t->ncols ? '\t' : '\n');
	return res;
}

/* The twin could not be written (larger than a buffer may grow, out of
 * memory): the table itself goes on, its twin is rendered when read. */
static void twin_drop(struct table *t)
{
	t->dual = 0;
	buf_free(&t->twin);
}

int table_is_json(const struct lctx *c)
{
	size_t n = strlen(c->path);

	return n > 6 && !strcmp(c->path + n - 6, ".jsonl");
}

int table_start(struct table *t, struct lctx *c, struct buf *b,
		const struct table_col *cols, size_t ncols)
{
	int res = 0;

	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
	t->json = table_is_json(c);
	t->b = b;
	t->c = c;
	t->dual = c->view;
	/* a twin too big to be kept (views.h) is rendered when read */
	buf_init(&t->twin, b->max < VIEW_KEEP_MAX ? b->max : VIEW_KEEP_MAX);
	if (!t->json)
		res = put_header(t, b);
	else if (t->dual && put_header(t, &t->twin))
		twin_drop(t);
	t->head = b->len;
	t->twin_head = t->twin.len;
	return res;
}

/* s as a JSON string: exact when it is UTF-8, else each byte that is not
 * part of a valid sequence as U+FFFD. */
static json_t *json_text(const char *s)
{
	json_t *j = json_string(s);
	struct buf b;
	size_t i, n;

	if (j)
		return j;
	buf_init(&b, 4 * strlen(s) + 1);
	for (i = 0; s[i]; i += n) {
		unsigned char c = (unsigned char)s[i];
		char one[5] = { 0 };

		n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 :
		    (c >> 3) == 30 ? 4 : 0;
		if (n && strnlen(s + i, n) == n) {
			memcpy(one, s + i, n);
			j = json_string(one);   /* a valid sequence? */
			json_decref(j);
		}
		if (!n || !j) {
			n = 1;
			if (buf_puts(&b, "\xEF\xBF\xBD"))
				break;
		} else if (buf_append(&b, s + i, n)) {
			break;
		}
	}
	j = json_string(buf_str(&b));
	buf_free(&b);
	return j;
}

static int dump_to_buf(const char *s, size_t n, void *arg)
{
	return buf_append(arg, s, n) ? -1 : 0;
}

static json_t *json_value(const struct table_col *col, va_list *ap)
{
	const char *s;

	switch (col->type) {
	case TT_INT:
		return json_integer(va_arg(*ap, long long));
	case TT_BOOL:
		return json_boolean(va_arg(*ap, int));
	case TT_OPT:
		s = va_arg(*ap, const char *);
		return s && *s ? json_text(s) : json_null();
	default:
		s = va_arg(*ap, const char *);
		return json_text(s ? s : "");
	}
}

static int json_row(const struct table *t, struct buf *b, va_list *ap)
{
	json_t *o = json_object();
	size_t i;
	int res = o ? 0 : -ENOMEM;

	for (i = 0; i < t->ncols && !res; i++)
		if (json_object_set_new(o, t->cols[i].name,
					json_value(&t->cols[i], ap)))
			res = -ENOMEM;
	if (!res && json_dump_callback(o, dump_to_buf, b,
				       JSON_COMPACT | JSON_PRESERVE_ORDER))
		res = -ENOMEM;
	json_decref(o);
	return res ? res : buf_putc(b, '\n');
}

static int tsv_row(const struct table *t, struct buf *b, va_list *ap)
{
	size_t i;
	int res = 0;

	for (i = 0; i < t->ncols && !res; i++) {
		char end = i + 1 < t->ncols ? '\t' : '\n';

		switch (t->cols[i].type) {
		case TT_INT:
			res = buf_printf(b, "%lld%c", va_arg(*ap, long long),
					 end);
			break;
		case TT_BOOL:
			res = buf_printf(b, "%s%c", va_arg(*ap, int) ?
					 "true" : "false", end);
			break;
		default:
			res = put_tsv(b, va_arg(*ap, const char *), end);
		}
	}
	return res;
}

/* One row in one format */
static int row_as(const struct table *t, struct buf *b, int json,
		  va_list *ap)
{
	return json ? json_row(t, b, ap) : tsv_row(t, b, ap);
}

int table_row(struct table *t, ...)
{
	va_list ap, again;
	int res;

	va_start(ap, t);
	va_copy(again, ap);
	res = row_as(t, t->b, t->json, &ap);
	if (!res && t->dual && row_as(t, &t->twin, !t->json, &again))
		twin_drop(t);
	va_end(again);
	va_end(ap);
	return res;
}

/* The marker into b, of one format */
static int mark_as(struct buf *b, int json, size_t head, const char *why)
{
	json_t *o;
	char *line;
	int res;

	if (!json)
		return put_incomplete(b, head, "%s", why);
	o = json_pack("{s:s}", "_incomplete", why);
	line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	res = line ? buf_insert_line(b, 0, line) : -ENOMEM;
	free(line);
	return res;
}

int table_incomplete(struct table *t, const char *fmt, ...)
{
	char why[400];
	va_list ap;
	int res;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	t->c->incomplete = 1;
	res = mark_as(t->b, t->json, t->head, why);
	if (!res && t->dual && mark_as(&t->twin, !t->json, t->twin_head, why))
		twin_drop(t);
	return res;
}

/* "x.tsv" <-> "x.jsonl", "summary" <-> "summary.jsonl" */
static char *twin_path(const char *path, int json)
{
	size_t n = strlen(path);
	char *p;

	if (json)
		return asprintf(&p, "%.*s%s", (int)(n - 6), path,
				n > 14 && !strcmp(path + n - 14,
						  "/summary.jsonl") ?
				"" : ".tsv") < 0 ? NULL : p;
	if (n > 4 && !strcmp(path + n - 4, ".tsv"))
		n -= 4;
	return asprintf(&p, "%.*s.jsonl", (int)n, path) < 0 ? NULL : p;
}

int table_finish(struct table *t, int res)
{
	struct node twin;
	char *path;

	if (!res && t->dual && (path = twin_path(t->c->path, t->json))) {
		node_init(&twin);
		twin.data = t->twin;
		buf_init(&t->twin, 0);
		view_put(path, t->c->version, &twin, NULL, t->c);
		node_free(&twin);
		free(path);
	}
	buf_free(&t->twin);
	return res;
}
