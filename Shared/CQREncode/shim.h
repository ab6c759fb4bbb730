#pragma once
// libqrencode (Debian's libqrencode-dev): QR codes for the receipt's tracking link (issue 14).
#include <qrencode.h>
