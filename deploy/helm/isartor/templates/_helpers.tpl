{{- define "isartor.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "isartor.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "isartor.labels" -}}
{{ include "isartor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "isartor.image" -}}
{{- $tag := .Values.image.tag | default (ternary (printf "%s-airgapped" .Chart.AppVersion) .Chart.AppVersion .Values.model.embedded) -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}

{{- define "isartor.secretName" -}}
{{- .Values.existingSecret | default (include "isartor.fullname" .) -}}
{{- end -}}

{{/* Refuse to render a half-configured release: the gateway would not start. */}}
{{- define "isartor.validate" -}}
{{- if and (not .Values.existingSecret) (not .Values.secrets.ISARTOR__GATEWAY_API_KEY) -}}
{{- fail "secrets.ISARTOR__GATEWAY_API_KEY (or existingSecret) is required: isartor refuses to listen on the pod network without a gateway key" -}}
{{- end -}}
{{- if and (not .Values.model.embedded) (not .Values.model.volume) -}}
{{- fail "model.embedded=false needs model.volume (a volume with config.json, vocab.txt, model.safetensors)" -}}
{{- end -}}
{{- if and .Values.audit.enabled (not .Values.audit.keySecret) -}}
{{- fail "audit.enabled needs audit.keySecret (a Secret with audit_ed25519.pem)" -}}
{{- end -}}
{{- range .Values.internalNetworks -}}
{{- if not (regexMatch "^[0-9a-fA-F:.]+/[0-9]{1,3}$" .) -}}
{{- fail (printf "internalNetworks: %q is not a CIDR" .) -}}
{{- end -}}
{{- end -}}
{{- range $k, $v := .Values.config -}}
{{- if not (hasPrefix "ISARTOR__" $k) -}}
{{- fail (printf "config: %q is not an ISARTOR__ variable" $k) -}}
{{- end -}}
{{- end -}}
{{- range $k, $v := .Values.secrets -}}
{{- if not (hasPrefix "ISARTOR__" $k) -}}
{{- fail (printf "secrets: %q is not an ISARTOR__ variable" $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}
