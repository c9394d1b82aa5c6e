#!/bin/sh
# check-stub.sh: fails if code that is copied alone elsewhere (the soft stub, the
# kvm trampoline) refers to anything outside its own section.
# Usage: check-stub.sh OBJECT [SECTION]   (SECTION defaults to vkstub)
obj=$1 sec=${2:-vkstub}
if objdump -r -j "$sec" "$obj" 2>/dev/null | grep -q 'R_X86_64'; then
	echo "check-stub: $obj: $sec section has relocations:" >&2
	objdump -r -j "$sec" "$obj" >&2
	exit 1
fi
for s in $(objdump -h "$obj" | awk '$2 ~ /^\.(data|bss|rodata)/ && $3 != "00000000" {print $2}'); do
	echo "check-stub: $obj: stub must not use $s" >&2
	exit 1
done
exit 0
