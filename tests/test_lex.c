/* test_lex.c - the lexer and value parser of the session language: words,
 * options, strings, lists, variables, comments, and malformed input; and
 * the "did you mean" of mistyped names. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"
#include "suggest.h"
#include "suite.h"

static char err[256];

static const char *vars(void *ud, const char *name)
{
	(void)ud;
	if (strcmp(name, "h") == 0)
		return "200";
	if (strcmp(name, "v") == 0)
		return "[1 2 3]";
	return NULL;
}

static sh_line lex_ok(const char *text)
{
	sh_line l;

	ck_assert_msg(sh_lex(text, &l, vars, NULL, err, sizeof err) == 0,
	              "'%s': %s", text, err);
	return l;
}

static void lex_bad(const char *text, const char *msg)
{
	sh_line l;

	ck_assert_msg(sh_lex(text, &l, vars, NULL, err, sizeof err) == -1,
	              "'%s' was accepted", text);
	ck_assert_msg(strstr(err, msg), "'%s': '%s' lacks '%s'", text, err,
	              msg);
	ck_assert_int_eq(l.n, 0);
}

START_TEST(words_options_strings)
{
	sh_line l = lex_ok("train  digits.train epochs=5 "
	                   "name=\"a \\\"b\\\"\" # comment");

	ck_assert_int_eq(l.n, 4);
	ck_assert_str_eq(l.v[0].text, "train");
	ck_assert_str_eq(l.v[1].text, "digits.train");
	ck_assert_ptr_null(l.v[1].key);
	ck_assert_str_eq(l.v[2].key, "epochs");
	ck_assert_str_eq(l.v[2].text, "5");
	ck_assert_str_eq(l.v[3].key, "name");
	ck_assert_int_eq(l.v[3].kind, SH_STRING);
	ck_assert_str_eq(l.v[3].text, "a \"b\"");
	sh_line_free(&l);
	l = lex_ok("   # only a comment");
	ck_assert_int_eq(l.n, 0);
	sh_line_free(&l);
}
END_TEST

START_TEST(equals_lists_variables)
{
	sh_line l = lex_ok("set net.1.W = [[1, 2] [3 4]] x=$v");

	ck_assert_int_eq(l.n, 5);
	ck_assert_int_eq(l.v[2].kind, SH_EQUALS);
	ck_assert_int_eq(l.v[3].kind, SH_LIST);
	ck_assert_str_eq(l.v[3].text, "[[1, 2] [3 4]]");
	ck_assert_int_eq(l.v[4].kind, SH_LIST);
	ck_assert_str_eq(l.v[4].text, "[1 2 3]");
	sh_line_free(&l);
	l = lex_ok("add dense $h sigmoid # $nosuch in a comment");
	ck_assert_str_eq(l.v[2].text, "200");
	sh_line_free(&l);
}
END_TEST

START_TEST(malformed_lines)
{
	lex_bad("echo \"unterminated", "unterminated string");
	lex_bad("set a = [[1 2] [3 4]", "missing ']'");
	lex_bad("echo ]", "']' without '['");
	lex_bad("echo $nosuch", "unknown variable $nosuch");
	lex_bad("train d epochs=", "has no value");
}
END_TEST

static void tensor_bad(const char *text, const char *msg)
{
	nn_tensor *t = sh_parse_tensor(text, err, sizeof err);

	ck_assert_msg(t == NULL, "'%s' was accepted", text);
	ck_assert_msg(strstr(err, msg), "'%s': '%s' lacks '%s'", text, err,
	              msg);
}

START_TEST(tensors)
{
	nn_tensor *t = sh_parse_tensor("[[1 2 3], [4,5,6e-1]]", err,
	                               sizeof err);

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->shape.ndim, 2);
	ck_assert_int_eq(t->shape.dim[0], 2);
	ck_assert_int_eq(t->shape.dim[1], 3);
	ck_assert_float_eq_tol(t->data[5], 0.6f, 1e-7);
	nn_tensor_free(t);
	t = sh_parse_tensor("-2.5", err, sizeof err);
	ck_assert_ptr_nonnull(t);
	ck_assert_float_eq(t->data[0], -2.5f);
	nn_tensor_free(t);
	t = sh_parse_tensor("[[[1] [2]] [[3] [4]]]", err, sizeof err);
	ck_assert_int_eq(t->shape.ndim, 3);
	nn_tensor_free(t);
	tensor_bad("[[1 2] [3]]", "ragged");
	tensor_bad("[[1 2] 3]", "ragged");
	tensor_bad("[1 [2]]", "ragged");
	tensor_bad("[1 two]", "bad number 'two'");
	tensor_bad("[1 nan]", "bad number 'nan'");
	tensor_bad("[1 1e999]", "bad number");
	tensor_bad("[1 1e40]", "beyond float range");
	tensor_bad("-1e39", "beyond float range");
	tensor_bad("[]", "empty");
	tensor_bad("[1 2", "missing ']'");
	tensor_bad("[1 2] 3", "after the list");
	tensor_bad("[[[[[1]]]]]", "at most 4 deep");
}
END_TEST

START_TEST(numbers)
{
	double v;

	ck_assert_int_eq(sh_parse_double("1e-3", &v), 0);
	ck_assert_double_eq(v, 1e-3);
	ck_assert_int_eq(sh_parse_double(".5", &v), 0);
	ck_assert_int_eq(sh_parse_double("0x10", &v), -1);
	ck_assert_int_eq(sh_parse_double("1.5x", &v), -1);
	ck_assert_int_eq(sh_parse_double("inf", &v), -1);
	ck_assert_int_eq(sh_parse_double("", &v), -1);
}
END_TEST

START_TEST(did_you_mean)
{
	static const char *const names[] = {
		"train", "trace", "dense", "dropout", "conv", "convt", NULL,
	};

	ck_assert_str_eq(sh_suggest("trian", names, 0), "train");  /* swap */
	ck_assert_str_eq(sh_suggest("dens", names, 0), "dense");
	ck_assert_str_eq(sh_suggest("dropuot", names, 0), "dropout");
	ck_assert_str_eq(sh_suggest("conb", names, 0), "conv");
	ck_assert_str_eq(sh_suggest("convt", names, 2 + 4), "convt");
	ck_assert_ptr_null(sh_suggest("cnv2", names, 0));   /* 2 of 4 */
	ck_assert_ptr_null(sh_suggest("frobnicate", names, 0));
	ck_assert_ptr_null(sh_suggest("", names, 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lex");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, words_options_strings);
	tcase_add_test(tc, equals_lists_variables);
	tcase_add_test(tc, malformed_lines);
	tcase_add_test(tc, tensors);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, did_you_mean);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
