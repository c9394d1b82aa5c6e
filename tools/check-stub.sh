#!/bin/sh
# check-stub.sh: fails if the soft stub's code refers to anything outside its
# own section, since it is copied alone into each guest's host process.
obj=$1
if objdump -r -j vkstub "$obj" 2>/dev/null | grep -q 'R_X86_64'; then
	echo "check-stub: $obj: vkstub section has relocations:" >&2
	objdump -r -j vkstub "$obj" >&2
	exit 1
fi
for s in $(objdump -h "$obj" | awk '$2 ~ /^\.(data|bss|rodata)/ && $3 != "00000000" {print $2}'); do
	echo "check-stub: $obj: stub must not use $s" >&2
	exit 1
done
exit 0
