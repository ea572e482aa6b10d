/*
 * The KEY_* names the synthetic keyboard maps to, as an X-macro: the tests walk every key of
 * the layout by the kernel's macro name and value.
 */
#ifndef HVD_TESTS_INPUT_HV_KEYCODE_LIST_H
#define HVD_TESTS_INPUT_HV_KEYCODE_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct test_keycode {
	const char *name; // without KEY_, as in the header
	int value;
};

#define TEST_KEYCODE_ENTRY(n) { #n, KEY_##n },

#define TEST_KEYCODES(ENTRY_)                                                                      \
	ENTRY_(ESC)                                                                                \
	ENTRY_(1)                                                                                  \
	ENTRY_(2)                                                                                  \
	ENTRY_(3)                                                                                  \
	ENTRY_(4)                                                                                  \
	ENTRY_(5)                                                                                  \
	ENTRY_(6)                                                                                  \
	ENTRY_(7)                                                                                  \
	ENTRY_(8)                                                                                  \
	ENTRY_(9)                                                                                  \
	ENTRY_(0)                                                                                  \
	ENTRY_(MINUS)                                                                              \
	ENTRY_(EQUAL)                                                                              \
	ENTRY_(BACKSPACE)                                                                          \
	ENTRY_(TAB)                                                                                \
	ENTRY_(Q)                                                                                  \
	ENTRY_(W)                                                                                  \
	ENTRY_(E)                                                                                  \
	ENTRY_(R)                                                                                  \
	ENTRY_(T)                                                                                  \
	ENTRY_(Y)                                                                                  \
	ENTRY_(U)                                                                                  \
	ENTRY_(I)                                                                                  \
	ENTRY_(O)                                                                                  \
	ENTRY_(P)                                                                                  \
	ENTRY_(LEFTBRACE)                                                                          \
	ENTRY_(RIGHTBRACE)                                                                         \
	ENTRY_(ENTER)                                                                              \
	ENTRY_(LEFTCTRL)                                                                           \
	ENTRY_(A)                                                                                  \
	ENTRY_(S)                                                                                  \
	ENTRY_(D)                                                                                  \
	ENTRY_(F)                                                                                  \
	ENTRY_(G)                                                                                  \
	ENTRY_(H)                                                                                  \
	ENTRY_(J)                                                                                  \
	ENTRY_(K)                                                                                  \
	ENTRY_(L)                                                                                  \
	ENTRY_(SEMICOLON)                                                                          \
	ENTRY_(APOSTROPHE)                                                                         \
	ENTRY_(GRAVE)                                                                              \
	ENTRY_(LEFTSHIFT)                                                                          \
	ENTRY_(BACKSLASH)                                                                          \
	ENTRY_(Z)                                                                                  \
	ENTRY_(X)                                                                                  \
	ENTRY_(C)                                                                                  \
	ENTRY_(V)                                                                                  \
	ENTRY_(B)                                                                                  \
	ENTRY_(N)                                                                                  \
	ENTRY_(M)                                                                                  \
	ENTRY_(COMMA)                                                                              \
	ENTRY_(DOT)                                                                                \
	ENTRY_(SLASH)                                                                              \
	ENTRY_(RIGHTSHIFT)                                                                         \
	ENTRY_(KPASTERISK)                                                                         \
	ENTRY_(LEFTALT)                                                                            \
	ENTRY_(SPACE)                                                                              \
	ENTRY_(CAPSLOCK)                                                                           \
	ENTRY_(F1)                                                                                 \
	ENTRY_(F2)                                                                                 \
	ENTRY_(F3)                                                                                 \
	ENTRY_(F4)                                                                                 \
	ENTRY_(F5)                                                                                 \
	ENTRY_(F6)                                                                                 \
	ENTRY_(F7)                                                                                 \
	ENTRY_(F8)                                                                                 \
	ENTRY_(F9)                                                                                 \
	ENTRY_(F10)                                                                                \
	ENTRY_(NUMLOCK)                                                                            \
	ENTRY_(SCROLLLOCK)                                                                         \
	ENTRY_(KP7)                                                                                \
	ENTRY_(KP8)                                                                                \
	ENTRY_(KP9)                                                                                \
	ENTRY_(KPMINUS)                                                                            \
	ENTRY_(KP4)                                                                                \
	ENTRY_(KP5)                                                                                \
	ENTRY_(KP6)                                                                                \
	ENTRY_(KPPLUS)                                                                             \
	ENTRY_(KP1)                                                                                \
	ENTRY_(KP2)                                                                                \
	ENTRY_(KP3)                                                                                \
	ENTRY_(KP0)                                                                                \
	ENTRY_(KPDOT)                                                                              \
	ENTRY_(102ND)                                                                              \
	ENTRY_(F11)                                                                                \
	ENTRY_(F12)                                                                                \
	ENTRY_(KPENTER)                                                                            \
	ENTRY_(RIGHTCTRL)                                                                          \
	ENTRY_(KPSLASH)                                                                            \
	ENTRY_(SYSRQ)                                                                              \
	ENTRY_(RIGHTALT)                                                                           \
	ENTRY_(HOME)                                                                               \
	ENTRY_(UP)                                                                                 \
	ENTRY_(PAGEUP)                                                                             \
	ENTRY_(LEFT)                                                                               \
	ENTRY_(RIGHT)                                                                              \
	ENTRY_(END)                                                                                \
	ENTRY_(DOWN)                                                                               \
	ENTRY_(PAGEDOWN)                                                                           \
	ENTRY_(INSERT)                                                                             \
	ENTRY_(DELETE)                                                                             \
	ENTRY_(MUTE)                                                                               \
	ENTRY_(VOLUMEDOWN)                                                                         \
	ENTRY_(VOLUMEUP)                                                                           \
	ENTRY_(POWER)                                                                              \
	ENTRY_(PAUSE)                                                                              \
	ENTRY_(LEFTMETA)                                                                           \
	ENTRY_(RIGHTMETA)                                                                          \
	ENTRY_(COMPOSE)                                                                            \
	ENTRY_(STOP)                                                                               \
	ENTRY_(CALC)                                                                               \
	ENTRY_(SLEEP)                                                                              \
	ENTRY_(WAKEUP)                                                                             \
	ENTRY_(MAIL)                                                                               \
	ENTRY_(BOOKMARKS)                                                                          \
	ENTRY_(COMPUTER)                                                                           \
	ENTRY_(BACK)                                                                               \
	ENTRY_(FORWARD)                                                                            \
	ENTRY_(NEXTSONG)                                                                           \
	ENTRY_(PLAYPAUSE)                                                                          \
	ENTRY_(PREVIOUSSONG)                                                                       \
	ENTRY_(STOPCD)                                                                             \
	ENTRY_(HOMEPAGE)                                                                           \
	ENTRY_(REFRESH)                                                                            \
	ENTRY_(SEARCH)                                                                             \
	ENTRY_(MEDIA)                                                                              \
	ENTRY_(MAX)

#endif
